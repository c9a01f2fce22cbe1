/*
 * redis_lua.h - the server-side half of store_redis: one Lua library run
 * by Redis (FUNCTION LOAD + FCALL, Redis >= 7.0), or the same code as one
 * script (SCRIPT LOAD + EVALSHA) where FUNCTION is not allowed.
 */
#ifndef STORE_REDIS_LUA_H
#define STORE_REDIS_LUA_H

#include <stddef.h>

#include <charon/err.h>

/* The operations the library offers; each is one FCALL (one round trip). */
enum redis_op {
    REDIS_OP_GET = 0,         /* keys se e l; args sid now             */
    REDIS_OP_GET_ALL,         /* keys se e l; args now                 */
    REDIS_OP_UPSERT,          /* keys se e l; args sid expect new_lock
                                 blob expires_at now                   */
    REDIS_OP_DELETE,          /* keys se e l; args sid now             */
    REDIS_OP_DELETE_ALL,      /* keys se e l; args keep(0|1) sid now   */
    REDIS_OP_COUNT
};

/* "charon_fcgi_" + 16 hex digits + NUL */
#define REDIS_LUA_NAME_MAX 29u
#define REDIS_LUA_FN_MAX 48u

/* The library of this build: its name, function names and both texts. */
struct redis_lua {
    char name[REDIS_LUA_NAME_MAX];             /* charon_fcgi_<hash16>   */
    char fn[REDIS_OP_COUNT][REDIS_LUA_FN_MAX]; /* <name>_get, ...        */
    char *library;                             /* FUNCTION LOAD text     */
    size_t library_len;
    char *script;                              /* EVAL/SCRIPT LOAD text  */
    size_t script_len;
    char sha[41];                              /* its SHA-1, hex: EVALSHA */
};

/* Builds the texts and names (the hash is SHA-256 of the template, see
 * redis_lua.c) and the script's SHA-1, which names it for EVALSHA (and
 * which SCRIPT LOAD must answer).  CHARON_ENOMEM or CHARON_EIO on
 * failure. */
int redis_lua_init(struct redis_lua *lua, struct charon_err *err);
void redis_lua_free(struct redis_lua *lua);

/* The operation's name in script mode (first ARGV of EVALSHA). */
const char *redis_lua_op_name(enum redis_op op);
/* 1 if the function only reads (flag no-writes: called with FCALL_RO). */
int redis_lua_op_readonly(enum redis_op op);

#endif /* STORE_REDIS_LUA_H */
