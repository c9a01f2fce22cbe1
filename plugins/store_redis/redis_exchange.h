/*
 * redis_exchange.h - store_redis' round trips: the commands hiredis
 * formatted go out, their replies come back through the bounded reader
 * (redis_reader.c), all within one deadline.
 */
#ifndef STORE_REDIS_EXCHANGE_H
#define STORE_REDIS_EXCHANGE_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis_conn.h"

/* CLOCK_MONOTONIC in ms. */
uint64_t redis_exchange_now_ms(void);

/*
 * Sends the commands appended to rc->c and reads their n replies into
 * replies[], all within command_timeout_ms, however the bytes trickle in.
 * 0; or -1 with rc->why set and no reply kept (an I/O error, the
 * deadline, bytes that are no RESP2 or break the reader's limits, bytes
 * after the last reply): the connection is then unusable and the caller
 * drops it.
 */
int redis_exchange(struct redis_conn *rc, const char *what,
                   redisReply **replies, int n);

/* One command, one reply, as redis_exchange(): NULL on failure. */
redisReply *redis_exchange_command(struct redis_conn *rc, const char *what,
                                   int argc, const char **argv,
                                   const size_t *lens);

#endif /* STORE_REDIS_EXCHANGE_H */
