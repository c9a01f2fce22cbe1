/* signals.c - blocked signals, taken synchronously by sigwait(). */
#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

static void
signals_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    /* libfcgi's own SIGUSR1 handler would set its shutdown flag and end
     * every worker thread while the process lives on (logrotate sends
     * USR1): taken here and ignored instead. */
    sigaddset(set, SIGUSR1);
}

void
signals_block(void)
{
    struct sigaction sa;
    sigset_t set;

    /* Before FCGX_Init: writes to a closed peer then fail with EPIPE. */
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, NULL);
    signals_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int
signals_wait(void)
{
    sigset_t set;
    int sig = 0;

    signals_set(&set);
    while (sigwait(&set, &sig) != 0)
        ;
    return sig;
}
