/*
 * redis_server.h - a real redis-server for the store_redis tests, started
 * by the test in its scratch directory (unix socket only, no persistence)
 * and stopped by PID; an admin connection; and MONITOR captures that
 * count the commands clients send.
 */
#ifndef CHARON_TEST_REDIS_SERVER_H
#define CHARON_TEST_REDIS_SERVER_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* Starts redis-server (if not running) on <scratch>/redis/redis.sock and
 * waits until it answers PING.  0, or -1 with a message on stderr (also
 * when redis-server is not installed: the suite must fail, not skip). */
int redis_server_start(void);
/* SIGTERM, then SIGKILL after 5 s; waits for the process. */
void redis_server_stop(void);
/* SIGKILL and wait, as a crash; the socket file is removed. */
void redis_server_kill(void);
/* Sends sig (SIGSTOP, SIGCONT) to the server; 0 or -1. */
int redis_server_signal(int sig);
/* The unix socket path. */
const char *redis_server_socket(void);

/* Runs a command (hiredis printf format) on the test's own connection,
 * which is opened (again) as needed; the reply is the caller's, NULL on
 * I/O error. */
redisReply *redis_admin(const char *fmt, ...);
/* The same with binary arguments. */
redisReply *redis_admin_argv(int argc, const char **argv, const size_t *lens);
/* Runs the command and returns its integer reply, or -1000000 on error. */
long long redis_admin_int(const char *fmt, ...);

/* A MONITOR capture on a connection of its own. */
struct redis_monitor {
    redisContext *c;
};

/* Starts a capture; 0 or -1. */
int redis_monitor_start(struct redis_monitor *m);
/*
 * Ends it: returns how many commands clients other than Lua sent since
 * start (the test's end mark excluded), -1 on error, and writes their
 * names, space-separated, into names.
 */
int redis_monitor_stop(struct redis_monitor *m, char *names, size_t cap);

#endif /* CHARON_TEST_REDIS_SERVER_H */
