/*
 * redis_server.c - see redis_server.h.
 */
#include "redis_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cu_main.h"

static pid_t rs_pid = -1;
static char rs_dir[4096];
static char rs_sock[4200];
static redisContext *rs_admin;

#define RS_MARK "charon-test-monitor-mark"

const char *
redis_server_socket(void)
{
    return rs_sock;
}

static void
rs_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void
rs_admin_close(void)
{
    if (rs_admin != NULL)
        redisFree(rs_admin);
    rs_admin = NULL;
}

static redisContext *
rs_admin_conn(void)
{
    struct timeval tv = { 5, 0 };

    if (rs_admin != NULL && rs_admin->err == 0)
        return rs_admin;
    rs_admin_close();
    rs_admin = redisConnectUnixWithTimeout(rs_sock, tv);
    if (rs_admin == NULL)
        return NULL;
    if (rs_admin->err != 0 || redisSetTimeout(rs_admin, tv) != REDIS_OK) {
        rs_admin_close();
        return NULL;
    }
    return rs_admin;
}

redisReply *
redis_admin(const char *fmt, ...)
{
    redisContext *c = rs_admin_conn();
    redisReply *r;
    va_list ap;

    if (c == NULL)
        return NULL;
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL)
        rs_admin_close();
    return r;
}

redisReply *
redis_admin_argv(int argc, const char **argv, const size_t *lens)
{
    redisContext *c = rs_admin_conn();
    redisReply *r;

    if (c == NULL)
        return NULL;
    r = redisCommandArgv(c, argc, argv, lens);
    if (r == NULL)
        rs_admin_close();
    return r;
}

long long
redis_admin_int(const char *fmt, ...)
{
    redisContext *c = rs_admin_conn();
    redisReply *r;
    long long v = -1000000;
    va_list ap;

    if (c == NULL)
        return v;
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        rs_admin_close();
        return v;
    }
    if (r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    freeReplyObject(r);
    return v;
}

int
redis_server_start(void)
{
    char log[4300];
    redisReply *r;
    pid_t parent;
    int i, fd, status, pong;

    if (rs_pid > 0)
        return 0;
    snprintf(rs_dir, sizeof(rs_dir), "%s/redis", cu_scratch_dir());
    if (mkdir(rs_dir, 0700) < 0 && errno != EEXIST) {
        perror(rs_dir);
        return -1;
    }
    snprintf(rs_sock, sizeof(rs_sock), "%s/redis.sock", rs_dir);
    snprintf(log, sizeof(log), "%s/redis.log", rs_dir);
    unlink(rs_sock);
    fflush(NULL);
    parent = getpid();
    rs_pid = fork();
    if (rs_pid < 0) {
        perror("fork");
        return -1;
    }
    if (rs_pid == 0) {
        /* Goes with this test if it dies before stopping it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("redis-server", "redis-server", "--port", "0",
               "--unixsocket", rs_sock, "--unixsocketperm", "700",
               "--dir", rs_dir, "--save", "", "--appendonly", "no",
               "--daemonize", "no", (char *)NULL);
        dprintf(2, "cannot run redis-server: %s\n", strerror(errno));
        _exit(127);
    }
    for (i = 0; i < 200; i++) {
        if (waitpid(rs_pid, &status, WNOHANG) == rs_pid) {
            fprintf(stderr, "redis-server exited at start (status %d); is "
                    "it installed? (scripts/deps.sh installs "
                    "redis-server); see %s\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
            rs_pid = -1;
            return -1;
        }
        r = access(rs_sock, F_OK) == 0 ? redis_admin("PING") : NULL;
        if (r != NULL) {
            pong = r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
            if (pong)
                return 0;
        }
        rs_sleep_ms(50);
    }
    fprintf(stderr, "redis-server did not answer PING on %s in 10 s\n",
            rs_sock);
    redis_server_kill();
    return -1;
}

static void
rs_reap(int sig, int grace_ms)
{
    int status, waited;

    rs_admin_close();
    if (rs_pid <= 0)
        return;
    kill(rs_pid, SIGCONT);
    kill(rs_pid, sig);
    for (waited = 0; waited < grace_ms; waited += 20) {
        if (waitpid(rs_pid, &status, WNOHANG) == rs_pid)
            goto gone;
        rs_sleep_ms(20);
    }
    kill(rs_pid, SIGKILL);
    waitpid(rs_pid, &status, 0);
gone:
    rs_pid = -1;
    unlink(rs_sock);
}

void
redis_server_stop(void)
{
    rs_reap(SIGTERM, 5000);
}

void
redis_server_kill(void)
{
    rs_reap(SIGKILL, 5000);
}

int
redis_server_signal(int sig)
{
    return rs_pid > 0 ? kill(rs_pid, sig) : -1;
}

int
redis_monitor_start(struct redis_monitor *m)
{
    struct timeval tv = { 5, 0 };
    redisReply *r;
    int ok;

    m->c = redisConnectUnixWithTimeout(rs_sock, tv);
    if (m->c == NULL || m->c->err != 0
        || redisSetTimeout(m->c, tv) != REDIS_OK)
        goto fail;
    r = redisCommand(m->c, "MONITOR");
    ok = r != NULL && r->type == REDIS_REPLY_STATUS;
    if (r != NULL)
        freeReplyObject(r);
    if (ok)
        return 0;
fail:
    if (m->c != NULL)
        redisFree(m->c);
    m->c = NULL;
    return -1;
}

int
redis_monitor_stop(struct redis_monitor *m, char *names, size_t cap)
{
    redisReply *r = NULL, *mark;
    const char *q, *e;
    size_t len = 0;
    int n = 0;

    names[0] = '\0';
    if (m->c == NULL)
        return -1;
    mark = redis_admin("ECHO %s", RS_MARK);
    if (mark == NULL) {
        n = -1;
        goto out;
    }
    freeReplyObject(mark);
    for (;;) {
        if (redisGetReply(m->c, (void **)&r) != REDIS_OK || r == NULL) {
            n = -1;
            break;
        }
        if (r->type != REDIS_REPLY_STATUS || strstr(r->str, RS_MARK)) {
            freeReplyObject(r);
            break;
        }
        /* 1700000000.123456 [0 unix:/x/redis.sock] "FCALL" "..." */
        q = strstr(r->str, "] \"");
        if (strstr(r->str, " lua]") == NULL && q != NULL) {
            n++;
            q += 3;
            e = strchr(q, '"');
            if (e != NULL && len + (size_t)(e - q) + 2 < cap) {
                if (len > 0)
                    names[len++] = ' ';
                memcpy(names + len, q, (size_t)(e - q));
                len += (size_t)(e - q);
                names[len] = '\0';
            }
        }
        freeReplyObject(r);
    }
out:
    redisFree(m->c);
    m->c = NULL;
    return n;
}
