/*
 * test_store_race.c - store_local under a refresh storm: RACE_PROCS
 * processes of RACE_THREADS threads each refresh ONE session the way the
 * core does, get (read lock_version) then upsert expecting it, all at
 * once.  The optimistic lock must let exactly one refresh win per
 * lock_version, and the session must never look absent meanwhile.
 *
 * Each process forks from this one and creates its own plugin instance
 * after the fork (an LMDB environment must not cross a fork).  Wins are
 * counted on a board in a MAP_SHARED anonymous mapping.  Besides its
 * refreshers, each process runs one reader that only gets, until they are
 * done: a refresher's own get always follows a write that left the session
 * in place, so it would miss a store that deletes and re-inserts.  Nothing
 * is timed: the processes start together on a pipe closing, and every
 * refresher makes RACE_ROUNDS attempts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cu_main.h"
#include "store_contract.h"

#define T0 INT64_C(1700000000)
#define SO "plugins/store_local/.libs/store_local.so"
#define RACE_INI "[store_local]\npath = @TESTDIR@/race\n"

#define RACE_PROCS 4
#define RACE_THREADS 4
#define RACE_ROUNDS 40
#define RACE_ATTEMPTS (RACE_PROCS * RACE_THREADS * RACE_ROUNDS)
#define RACE_LOCKS (RACE_ATTEMPTS + 2)
#define RACE_BLOB_MAX 32

/* Shared by every process; updated with __atomic builtins only. */
struct race_board {
    unsigned wins[RACE_LOCKS];                  /* wins with expect = i  */
    char winner[RACE_LOCKS][RACE_BLOB_MAX];     /* the blob that won i   */
    unsigned missing;                           /* gets that were ENOTFOUND */
    unsigned reads;                             /* the readers' gets     */
    unsigned conflicts;
    unsigned errors;                            /* anything else         */
};

/* One racing thread of one process. */
struct race_thread {
    struct race_board *board;
    void *instance;
    int proc, thread;
    int go_fd;                    /* read() returns 0 when the race starts */
    unsigned *done;               /* this process's finished refreshers   */
};

static struct charon_store_key
race_key(void)
{
    struct charon_store_key k;

    k.user_id = "u-race";
    k.type = "full";
    k.session_id = "s1";
    return k;
}

/* One refresh: get, then upsert expecting the lock_version read. */
static void
race_refresh(const struct race_thread *rt, void *ts, int round)
{
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_store_key k = race_key();
    struct charon_buf b = CHARON_BUF_INIT;
    struct race_board *rb = rt->board;
    struct charon_err err;
    char blob[RACE_BLOB_MAX];
    uint64_t lock = 0;
    int rc;

    charon_err_clear(&err);
    rc = sp->get(rt->instance, ts, &k, &b, &lock, &err);
    charon_buf_free(&b);
    if (rc != CHARON_OK) {
        __atomic_add_fetch(rc == CHARON_ENOTFOUND ? &rb->missing
                                                  : &rb->errors, 1,
                           __ATOMIC_SEQ_CST);
        return;
    }
    snprintf(blob, sizeof(blob), "p%d-t%d-r%d", rt->proc, rt->thread, round);
    rc = sp->upsert(rt->instance, ts, &k, lock, blob, strlen(blob),
                    store_contract_now() + 3600, &err);
    if (rc == CHARON_ECONFLICT) {
        __atomic_add_fetch(&rb->conflicts, 1, __ATOMIC_SEQ_CST);
    } else if (rc != CHARON_OK || lock >= RACE_LOCKS) {
        __atomic_add_fetch(&rb->errors, 1, __ATOMIC_SEQ_CST);
    } else {
        __atomic_add_fetch(&rb->wins[lock], 1, __ATOMIC_SEQ_CST);
        snprintf(rb->winner[lock], RACE_BLOB_MAX, "%s", blob);
    }
}

/* The reader: gets until this process's refreshers are done. */
static void
race_read(const struct race_thread *rt, void *ts)
{
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_store_key k = race_key();
    struct charon_buf b = CHARON_BUF_INIT;
    struct race_board *rb = rt->board;
    struct charon_err err;
    uint64_t lock = 0;
    int rc;

    do {
        charon_err_clear(&err);
        charon_buf_reset(&b);
        rc = sp->get(rt->instance, ts, &k, &b, &lock, &err);
        __atomic_add_fetch(&rb->reads, 1, __ATOMIC_SEQ_CST);
        if (rc != CHARON_OK)
            __atomic_add_fetch(rc == CHARON_ENOTFOUND ? &rb->missing
                                                      : &rb->errors, 1,
                               __ATOMIC_SEQ_CST);
    } while (__atomic_load_n(rt->done, __ATOMIC_SEQ_CST) < RACE_THREADS);
    charon_buf_free(&b);
}

static void *
race_thread_main(void *arg)
{
    const struct race_thread *rt = arg;
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_err err;
    void *ts = NULL;
    char c;
    int round;

    charon_err_clear(&err);
    if (sp->hdr.thread_init != NULL &&
        sp->hdr.thread_init(rt->instance, &ts, &err) != CHARON_OK) {
        __atomic_add_fetch(&rt->board->errors, 1, __ATOMIC_SEQ_CST);
        if (rt->thread < RACE_THREADS)
            __atomic_add_fetch(rt->done, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    while (read(rt->go_fd, &c, 1) < 0 && errno == EINTR)
        ;
    if (rt->thread < RACE_THREADS) {
        for (round = 0; round < RACE_ROUNDS; round++)
            race_refresh(rt, ts, round);
        __atomic_add_fetch(rt->done, 1, __ATOMIC_SEQ_CST);
    } else {
        race_read(rt, ts);
    }
    if (ts != NULL && sp->hdr.thread_fini != NULL)
        sp->hdr.thread_fini(rt->instance, ts);
    return NULL;
}

/* A racing process, just forked: its own instance, then its refreshers
 * and its reader (the last thread).  Says "ready" by closing ready_fd.
 * Returns its exit status. */
static int
race_child(struct race_board *rb, int proc, int go_fd, int ready_fd)
{
    struct race_thread rt[RACE_THREADS + 1];
    pthread_t t[RACE_THREADS + 1];
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;
    unsigned done = 0;
    int i, started = 0, status = 0;

    charon_err_clear(&err);
    if (store_contract_instance_new(RACE_INI, &cfg, &inst, &err)
        != CHARON_OK) {
        fprintf(stderr, "race process %d: %s\n", proc, err.msg);
        close(ready_fd);
        return 2;
    }
    for (i = 0; i <= RACE_THREADS; i++) {
        rt[i].board = rb;
        rt[i].instance = inst;
        rt[i].proc = proc;
        rt[i].thread = i;
        rt[i].go_fd = go_fd;
        rt[i].done = &done;
        if (pthread_create(&t[i], NULL, race_thread_main, &rt[i]) != 0) {
            status = 3;
            break;
        }
        started++;
    }
    /* A refresher that never started never counts itself done. */
    if (started < RACE_THREADS)
        __atomic_add_fetch(&done, (unsigned)(RACE_THREADS - started),
                           __ATOMIC_SEQ_CST);
    close(ready_fd);
    for (i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    store_contract_instance_free(cfg, inst);
    return status;
}

static int
open_race(void)
{
    return store_contract_open(SO, RACE_INI);
}

/* Forks the racing processes, starts them together, waits for them;
 * returns how many exited 0. */
static int
race_run(struct race_board *rb)
{
    pid_t pid[RACE_PROCS];
    int go[2], ready[2], i, status, ok = 0;
    ssize_t n;
    char c;

    CU_ASSERT_EQUAL_FATAL(0, pipe(go));
    CU_ASSERT_EQUAL_FATAL(0, pipe(ready));
    fflush(NULL);
    for (i = 0; i < RACE_PROCS; i++) {
        pid[i] = fork();
        if (pid[i] == 0) {
            close(go[1]);
            close(ready[0]);
            _exit(race_child(rb, i, go[0], ready[1]));
        }
        CU_ASSERT(pid[i] > 0);
    }
    close(go[0]);
    close(ready[1]);
    /* EOF once every process has its instance and threads (or died). */
    do
        n = read(ready[0], &c, 1);
    while (n > 0 || (n < 0 && errno == EINTR));
    close(ready[0]);
    close(go[1]);                                   /* go */
    for (i = 0; i < RACE_PROCS; i++) {
        if (pid[i] <= 0)
            continue;
        while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    return ok;
}

static void
test_processes_and_threads_refreshing_one_session(void)
{
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_store_key k = race_key();
    struct charon_buf b = CHARON_BUF_INIT;
    struct race_board *rb;
    struct charon_err err;
    uint64_t lock = 0, i;
    unsigned total = 0, off = 0;

    rb = mmap(NULL, sizeof(*rb), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(rb != MAP_FAILED);
    memset(rb, 0, sizeof(*rb));
    store_contract_set_now(T0);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, sp->upsert(store_contract_instance(),
                                                store_contract_ts(), &k, 0,
                                                "seed", 4, T0 + 3600, &err));

    CU_ASSERT_EQUAL(RACE_PROCS, race_run(rb));

    CU_ASSERT_EQUAL(0u, rb->errors);
    CU_ASSERT_EQUAL(0u, rb->missing);     /* never absent mid-race */
    CU_ASSERT(rb->reads >= RACE_PROCS);
    for (i = 0; i < RACE_LOCKS; i++)
        total += rb->wins[i];
    CU_ASSERT_EQUAL((unsigned)RACE_ATTEMPTS, total + rb->conflicts);
    /* A thread loses only to a win inside its get..upsert window, so the
     * wins are at least one thread's attempts. */
    CU_ASSERT(total >= RACE_ROUNDS);
    CU_ASSERT_EQUAL(CHARON_OK, sp->get(store_contract_instance(),
                                       store_contract_ts(), &k, &b, &lock,
                                       &err));
    CU_ASSERT_EQUAL((uint64_t)total + 1, lock);
    /* Exactly one winner per lock_version 1 .. final - 1, none beyond. */
    for (i = 0; i < RACE_LOCKS; i++)
        if (rb->wins[i] != (i >= 1 && i < lock ? 1u : 0u))
            off++;
    CU_ASSERT_EQUAL(0u, off);
    /* The stored blob is the last winner's. */
    CU_ASSERT_FATAL(lock >= 1 && lock - 1 < RACE_LOCKS);
    CU_ASSERT(b.data != NULL &&
              strcmp((const char *)b.data, rb->winner[lock - 1]) == 0);
    printf("\n    %d refreshes: %u wins, %u conflicts; %u reads; %u "
           "absent, %u errors\n", RACE_ATTEMPTS, total, rb->conflicts,
           rb->reads, rb->missing, rb->errors);
    charon_buf_free(&b);
    munmap(rb, sizeof(*rb));
}

static const CU_TestInfo store_race_tests[] = {
    { "4 processes x 4 threads refreshing one session: one winner per "
      "lock_version, the last winner's blob, never absent",
      test_processes_and_threads_refreshing_one_session },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "store_local: refresh race", open_race, store_contract_close,
          store_race_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
