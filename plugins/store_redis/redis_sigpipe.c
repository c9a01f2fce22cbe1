/*
 * redis_sigpipe.c - SIGPIPE around hiredis' writes.  hiredis writes with
 * write(2).  When the process does not ignore SIGPIPE (the daemon does; a
 * CGI process or another host may not), each call blocks it in this
 * thread and swallows one it raised, as libpq does.
 */
#include "redis_sigpipe.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

int
redis_sigpipe_needed(void)
{
    struct sigaction sa;

    return !(sigaction(SIGPIPE, NULL, &sa) == 0
             && !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN);
}

void
redis_sigpipe_block(int guard, struct redis_sigpipe *g)
{
    sigset_t set, pending;

    g->on = 0;
    if (!guard)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, &g->old) != 0)
        return;
    g->on = 1;
    g->pending_before = sigpending(&pending) == 0
                        && sigismember(&pending, SIGPIPE) == 1;
}

void
redis_sigpipe_restore(struct redis_sigpipe *g)
{
    static const struct timespec zero = { 0, 0 };
    sigset_t set, pending;
    int saved = errno;

    if (!g->on)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->pending_before && sigpending(&pending) == 0
        && sigismember(&pending, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}
