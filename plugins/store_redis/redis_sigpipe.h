/*
 * redis_sigpipe.h - keeps a SIGPIPE that hiredis' write(2) raises from
 * killing a process that does not ignore it (libpq's pq_block_sigpipe /
 * pq_reset_sigpipe).
 */
#ifndef STORE_REDIS_SIGPIPE_H
#define STORE_REDIS_SIGPIPE_H

#include <signal.h>

struct redis_sigpipe {
    int on;                         /* SIGPIPE blocked by us             */
    int pending_before;             /* one was pending already           */
    sigset_t old;                   /* the thread's mask before          */
};

/* 1 if the process does not ignore SIGPIPE (then guard each call). */
int redis_sigpipe_needed(void);
/* Blocks SIGPIPE in this thread when guard is set. */
void redis_sigpipe_block(int guard, struct redis_sigpipe *g);
/* Swallows a SIGPIPE raised since, restores the mask; keeps errno. */
void redis_sigpipe_restore(struct redis_sigpipe *g);

#endif /* STORE_REDIS_SIGPIPE_H */
