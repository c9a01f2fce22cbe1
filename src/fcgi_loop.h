/*
 * fcgi_loop.h - the FastCGI server: worker threads each calling
 * FCGX_Accept_r on the shared listening socket (no accept mutex: on
 * Linux it is not needed and it deadlocks kept connections), and the
 * calling thread waiting for signals.
 */
#ifndef CHARON_FCGI_LOOP_H
#define CHARON_FCGI_LOOP_H

#include <charon/err.h>

struct snapshot;

/* Default worker threads: each kept-alive web-server connection pins one
 * thread (libfcgi is thread-per-connection), so be generous. */
#define FCGI_LOOP_DEFAULT_THREADS 64

/*
 * Serves listen_fd with threads workers until SIGTERM or SIGINT, then
 * stops accepting, lets requests in progress finish, closes idle kept
 * connections and returns CHARON_OK.  Signals must already be blocked
 * (signals_block) in the calling thread.
 */
int fcgi_loop_run(const struct snapshot *snap, int listen_fd,
                  unsigned threads, struct charon_err *err);

#endif /* CHARON_FCGI_LOOP_H */
