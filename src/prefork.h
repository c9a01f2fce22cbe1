/*
 * prefork.h - the master process of the FastCGI daemon: it forks the
 * worker processes (each a fcgi_loop on the shared listening socket with
 * its own snapshot), starts another when one dies, reloads on SIGHUP by
 * starting a new generation of workers on the new configuration and
 * letting the old ones finish what they are doing, and on SIGTERM/SIGINT
 * stops them all gracefully.
 *
 * Workers build their snapshot after the fork: an LMDB environment (and
 * any plugin's connection) must not cross a fork.  The event counters
 * live in shared memory, so /metrics in any worker shows the sum.
 */
#ifndef CHARON_PREFORK_H
#define CHARON_PREFORK_H

struct prefork_opts {
    const char *config;        /* charon.ini, read again on SIGHUP       */
    int listen_fd;             /* the listening socket, shared           */
    unsigned workers;          /* worker processes                       */
    unsigned threads;          /* threads in each                        */
};

/* Serves until SIGTERM/SIGINT; returns the exit status: 0 after a clean
 * stop, 1 if a worker ended badly after it was told to stop (old
 * generations included).  Signals must be blocked (signals_block)
 * before. */
int prefork_run(const struct prefork_opts *o);

#endif /* CHARON_PREFORK_H */
