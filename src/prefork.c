/* prefork.c - master and worker processes. */
#include "prefork.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "fcgi_loop.h"
#include "log.h"
#include "snapshot.h"

/* A worker that dies within this many seconds of its start is restarted
 * only after the same delay, so that a crash loop does not spin. */
#define PREFORK_MIN_LIFE_S 1

struct prefork_slot {
    pid_t pid;                 /* 0: empty                               */
    time_t started;
    time_t restart_at;         /* empty slot: when to start another      */
};

struct prefork {
    const struct prefork_opts *o;
    struct prefork_slot *slots;   /* the current generation              */
    pid_t *old;                   /* earlier generations, finishing      */
    size_t nold;
    int stopping;
    int failed;                   /* a worker stopped badly while stopping */
};

/* In the child: load the configuration and serve until SIGTERM. */
static void __attribute__((noreturn))
prefork_worker(const struct prefork_opts *o, pid_t master)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct snapshot *snap = NULL;
    struct charon_err err;
    size_t i;
    int rc;

    /* The master's death ends the worker gracefully (SIGTERM is blocked
     * and taken by the worker's sigwait). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != master)
        exit(1);
    if (snapshot_load(o->config, &snap, &errs) != CHARON_OK) {
        config_errors_sort(&errs);
        for (i = 0; i < errs.n; i++)
            log_msg(CHARON_LOG_ERR, "%s", errs.lines[i]);
        config_errors_free(&errs);
        exit(2);
    }
    log_init("charon-fcgi", snap->cfg->charon.log == CONFIG_LOG_SYSLOG,
             log_level_from_index(snap->cfg->charon.log_level));
    rc = fcgi_loop_run(snap, o->listen_fd, o->threads, &err);
    if (rc != CHARON_OK)
        log_msg(CHARON_LOG_ERR, "%s", err.msg);
    snapshot_free(snap);
    exit(rc == CHARON_OK ? 0 : 1);
}

static int
prefork_spawn(struct prefork *pf, struct prefork_slot *slot)
{
    pid_t master = getpid(), pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        log_msg(CHARON_LOG_ERR, "cannot fork a worker: %s", strerror(errno));
        slot->restart_at = time(NULL) + PREFORK_MIN_LIFE_S;
        return -1;
    }
    if (pid == 0)
        prefork_worker(pf->o, master);
    slot->pid = pid;
    slot->started = time(NULL);
    slot->restart_at = 0;
    return 0;
}

static void
prefork_describe(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* One dead child: a worker of this generation is replaced (later if it
 * died young); one of an earlier generation has finished. */
static void
prefork_reaped(struct prefork *pf, pid_t pid, int status)
{
    char how[64];
    time_t now = time(NULL);
    size_t i;

    prefork_describe(status, how, sizeof(how));
    for (i = 0; i < pf->o->workers; i++) {
        if (pf->slots[i].pid != pid)
            continue;
        pf->slots[i].pid = 0;
        if (pf->stopping) {
            /* A worker that does not stop cleanly (a leak found by
             * valgrind or LeakSanitizer, say) makes the master's exit
             * status say so. */
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                pf->failed = 1;
            log_msg(pf->failed ? CHARON_LOG_ERR : CHARON_LOG_INFO,
                    "worker %d %s", (int)pid, how);
            return;
        }
        pf->slots[i].restart_at =
            now - pf->slots[i].started < PREFORK_MIN_LIFE_S
                ? now + PREFORK_MIN_LIFE_S : now;
        log_msg(CHARON_LOG_ERR, "worker %d %s; starting another%s",
                (int)pid, how,
                pf->slots[i].restart_at > now ? " in a second" : "");
        return;
    }
    for (i = 0; i < pf->nold; i++) {
        if (pf->old[i] != pid)
            continue;
        pf->old[i] = pf->old[--pf->nold];
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            pf->failed = 1;
        log_msg(CHARON_LOG_INFO, "old worker %d %s", (int)pid, how);
        return;
    }
}

static void
prefork_reap(struct prefork *pf)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        prefork_reaped(pf, pid, status);
}

/* Starts the workers whose slot is empty and due; returns how many
 * seconds until the next one is due (-1: none pending). */
static int
prefork_fill(struct prefork *pf)
{
    time_t now = time(NULL);
    int wait = -1, left;
    size_t i;

    for (i = 0; i < pf->o->workers; i++) {
        if (pf->slots[i].pid != 0)
            continue;
        if (pf->slots[i].restart_at <= now &&
            prefork_spawn(pf, &pf->slots[i]) == 0)
            continue;
        left = (int)(pf->slots[i].restart_at - now);
        if (left < 1)
            left = 1;
        if (wait < 0 || left < wait)
            wait = left;
    }
    return wait;
}

/* SIGHUP: if the new configuration loads, a new generation of workers
 * starts on it and the old one gets SIGTERM (each finishes its requests
 * in progress); otherwise nothing changes. */
static void
prefork_reload(struct prefork *pf)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct snapshot *snap = NULL;
    pid_t *old;
    size_t i;

    if (snapshot_load(pf->o->config, &snap, &errs) != CHARON_OK) {
        config_errors_sort(&errs);
        for (i = 0; i < errs.n; i++)
            log_msg(CHARON_LOG_ERR, "%s", errs.lines[i]);
        config_errors_free(&errs);
        log_msg(CHARON_LOG_ERR, "SIGHUP: %s has errors; the workers keep "
                "the configuration they have", pf->o->config);
        return;
    }
    log_init("charon-fcgi", snap->cfg->charon.log == CONFIG_LOG_SYSLOG,
             log_level_from_index(snap->cfg->charon.log_level));
    /* Nothing of the snapshot crosses the fork: the workers load it. */
    snapshot_free(snap);
    old = realloc(pf->old, (pf->nold + pf->o->workers) * sizeof(*old));
    if (old == NULL) {
        log_msg(CHARON_LOG_ERR, "SIGHUP: out of memory; not reloaded");
        return;
    }
    pf->old = old;
    /* The new workers first: the listening socket is never without
     * one, and what the old ones accepted they still answer. */
    for (i = 0; i < pf->o->workers; i++) {
        if (pf->slots[i].pid != 0)
            pf->old[pf->nold++] = pf->slots[i].pid;
        pf->slots[i].pid = 0;
        pf->slots[i].restart_at = 0;
        prefork_spawn(pf, &pf->slots[i]);
    }
    for (i = 0; i < pf->nold; i++)
        kill(pf->old[i], SIGTERM);
    log_msg(CHARON_LOG_INFO, "SIGHUP: %s reloaded; starting %u new "
            "workers, the old ones finish their requests", pf->o->config,
            pf->o->workers);
}

/* SIGTERM/SIGINT: every worker stops gracefully; wait for them all. */
static void
prefork_stop(struct prefork *pf, sigset_t *set)
{
    size_t i, alive;
    int sig;

    pf->stopping = 1;
    for (i = 0; i < pf->o->workers; i++)
        if (pf->slots[i].pid != 0)
            kill(pf->slots[i].pid, SIGTERM);
    for (i = 0; i < pf->nold; i++)
        kill(pf->old[i], SIGTERM);
    for (;;) {
        prefork_reap(pf);
        alive = pf->nold;
        for (i = 0; i < pf->o->workers; i++)
            alive += pf->slots[i].pid != 0;
        if (alive == 0)
            return;
        sig = sigwaitinfo(set, NULL);
        (void)sig;           /* CHLD (reaped above), or another TERM */
    }
}

int
prefork_run(const struct prefork_opts *o)
{
    struct timespec ts;
    struct prefork pf;
    sigset_t set;
    int sig, wait;

    memset(&pf, 0, sizeof(pf));
    pf.o = o;
    pf.slots = calloc(o->workers, sizeof(*pf.slots));
    if (pf.slots == NULL) {
        log_msg(CHARON_LOG_ERR, "out of memory");
        return 1;
    }
    if (events_share() < 0)
        log_msg(CHARON_LOG_WARN, "no shared memory for the counters: "
                "/metrics shows one worker's");
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    log_msg(CHARON_LOG_INFO, "master %d: %u worker%s of %u threads",
            (int)getpid(), o->workers, o->workers == 1 ? "" : "s",
            o->threads);
    for (;;) {
        wait = prefork_fill(&pf);
        if (wait < 0) {
            sig = sigwaitinfo(&set, NULL);
        } else {
            ts.tv_sec = wait;
            ts.tv_nsec = 0;
            sig = sigtimedwait(&set, NULL, &ts);
        }
        if (sig == SIGCHLD) {
            prefork_reap(&pf);
        } else if (sig == SIGHUP) {
            prefork_reap(&pf);
            prefork_reload(&pf);
        } else if (sig == SIGTERM || sig == SIGINT) {
            log_msg(CHARON_LOG_INFO, "signal %d: stopping the workers "
                    "gracefully", sig);
            break;
        } else if (sig == SIGUSR1) {
            log_msg(CHARON_LOG_INFO, "SIGUSR1 ignored");
        }
    }
    prefork_stop(&pf, &set);
    free(pf.old);
    free(pf.slots);
    log_msg(CHARON_LOG_INFO, "stopped");
    return pf.failed ? 1 : 0;
}
