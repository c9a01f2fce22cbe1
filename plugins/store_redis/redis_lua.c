/*
 * redis_lua.c - the Lua code store_redis runs inside Redis, so that every
 * operation is one command, atomic, on one (user, type).
 *
 * Keys (KEYS / keys, always three, in this order; see redis_keys.c):
 *   se  hash        sid -> signed blob (opaque bytes)
 *   e   sorted set  sid, score = refresh expiry (Unix seconds)
 *   l   hash        sid -> lock_version (decimal text)
 * A session is live while its score >= now; now is the core's clock,
 * passed in by the caller (never Redis' TIME), as are all times here.
 * Lock versions are compared as text and never turned into Lua numbers
 * (doubles), so the whole uint64 range survives.
 *
 * Expiry: every write recomputes the three keys' TTL from the latest
 * score (settle): relative to the caller's now, so a clock difference
 * between the core and Redis moves nothing; when no live session is left
 * the keys go at once.  Expired sids are pruned by the upsert that writes
 * the set, at most PRUNE_MAX per call, oldest first: a set grows by at most
 * one sid per write and loses up to PRUNE_MAX, so expired sids never pile
 * up in a set that is written, and a set nobody writes expires whole with
 * its TTL.  This costs O(log n) per write and no extra key, unlike the
 * once-an-hour prune lock of Charon's v3 layout.
 *
 * Naming: the library is "charon_fcgi_" followed by the first 16 hex
 * digits of SHA-256 over the template below (body + function tail +
 * script tail, "@NAME@" unexpanded), its functions "<library>_get" etc.
 * Two builds with different code thus load side by side into one Redis
 * (function names are global there) and never replace each other.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "redis_lua.h"

static const char redis_lua_body[] =
    "local PRUNE_MAX = 100\n"
    "local TTL_MAX = 1000000000\n"
    "\n"
    "-- The keys live until the end of the latest expiry second in e,\n"
    "-- counted from now; with no live session left they go now.\n"
    "local function settle(se, e, l, now)\n"
    "  local top = redis.call('ZREVRANGE', e, 0, 0, 'WITHSCORES')\n"
    "  local ttl = 0\n"
    "  if #top == 2 then\n"
    "    ttl = math.floor(tonumber(top[2]) - now) + 1\n"
    "  end\n"
    "  if ttl <= 0 then\n"
    "    redis.call('DEL', se, e, l)\n"
    "    return\n"
    "  end\n"
    "  if ttl > TTL_MAX then ttl = TTL_MAX end\n"
    "  redis.call('EXPIRE', se, ttl)\n"
    "  redis.call('EXPIRE', e, ttl)\n"
    "  redis.call('EXPIRE', l, ttl)\n"
    "end\n"
    "\n"
    "-- get: {blob, lock} of a live session, else nil.\n"
    "local function op_get(keys, args)\n"
    "  local sid, now = args[1], tonumber(args[2])\n"
    "  local exp = redis.call('ZSCORE', keys[2], sid)\n"
    "  if not exp or tonumber(exp) < now then return false end\n"
    "  local blob = redis.call('HGET', keys[1], sid)\n"
    "  local lock = redis.call('HGET', keys[3], sid)\n"
    "  if not blob or not lock then return false end\n"
    "  return {blob, lock}\n"
    "end\n"
    "\n"
    "-- get_all: blob1, lock1, blob2, lock2, ... of the live sessions.\n"
    "local function op_get_all(keys, args)\n"
    "  local sids = redis.call('ZRANGEBYSCORE', keys[2], args[1], '+inf')\n"
    "  local out = {}\n"
    "  for _, sid in ipairs(sids) do\n"
    "    local blob = redis.call('HGET', keys[1], sid)\n"
    "    local lock = redis.call('HGET', keys[3], sid)\n"
    "    if blob and lock then\n"
    "      out[#out + 1] = blob\n"
    "      out[#out + 1] = lock\n"
    "    end\n"
    "  end\n"
    "  return out\n"
    "end\n"
    "\n"
    "-- upsert: 1 written; 0 a live session with another lock (or expect 0\n"
    "-- while one is live); -1 expect > 0 but no live session.\n"
    "local function op_upsert(keys, args)\n"
    "  local se, e, l = keys[1], keys[2], keys[3]\n"
    "  local sid, expect, new_lock, blob, exp = args[1], args[2], args[3],\n"
    "    args[4], args[5]\n"
    "  local now = tonumber(args[6])\n"
    "  local cur = redis.call('ZSCORE', e, sid)\n"
    "  if cur and tonumber(cur) >= now then\n"
    "    if expect == '0' or redis.call('HGET', l, sid) ~= expect then\n"
    "      return 0\n"
    "    end\n"
    "  elseif expect ~= '0' then\n"
    "    return -1\n"
    "  end\n"
    "  redis.call('HSET', se, sid, blob)\n"
    "  redis.call('HSET', l, sid, new_lock)\n"
    "  redis.call('ZADD', e, exp, sid)\n"
    "  local old = redis.call('ZRANGEBYSCORE', e, '-inf', '(' .. args[6],\n"
    "                         'LIMIT', 0, PRUNE_MAX)\n"
    "  if #old > 0 then\n"
    "    redis.call('HDEL', se, unpack(old))\n"
    "    redis.call('HDEL', l, unpack(old))\n"
    "    redis.call('ZREM', e, unpack(old))\n"
    "  end\n"
    "  settle(se, e, l, now)\n"
    "  return 1\n"
    "end\n"
    "\n"
    "-- delete: removes one sid (absent is fine); 1.\n"
    "local function op_delete(keys, args)\n"
    "  redis.call('HDEL', keys[1], args[1])\n"
    "  redis.call('HDEL', keys[3], args[1])\n"
    "  redis.call('ZREM', keys[2], args[1])\n"
    "  settle(keys[1], keys[2], keys[3], tonumber(args[2]))\n"
    "  return 1\n"
    "end\n"
    "\n"
    "-- delete_all: removes every sid, except args[2] if args[1] is '1'\n"
    "-- and it is live; 1.\n"
    "local function op_delete_all(keys, args)\n"
    "  local se, e, l = keys[1], keys[2], keys[3]\n"
    "  local sid, now = args[2], tonumber(args[3])\n"
    "  local exp, blob, lock = false, false, false\n"
    "  if args[1] == '1' then\n"
    "    exp = redis.call('ZSCORE', e, sid)\n"
    "    blob = redis.call('HGET', se, sid)\n"
    "    lock = redis.call('HGET', l, sid)\n"
    "  end\n"
    "  redis.call('DEL', se, e, l)\n"
    "  if exp and blob and lock and tonumber(exp) >= now then\n"
    "    redis.call('HSET', se, sid, blob)\n"
    "    redis.call('HSET', l, sid, lock)\n"
    "    redis.call('ZADD', e, exp, sid)\n"
    "    settle(se, e, l, now)\n"
    "  end\n"
    "  return 1\n"
    "end\n";

/* Function mode: registered under names carrying the library's hash. */
static const char redis_lua_functions[] =
    "\n"
    "redis.register_function{function_name = '@NAME@_get',\n"
    "  callback = op_get, flags = {'no-writes'}}\n"
    "redis.register_function{function_name = '@NAME@_get_all',\n"
    "  callback = op_get_all, flags = {'no-writes'}}\n"
    "redis.register_function('@NAME@_upsert', op_upsert)\n"
    "redis.register_function('@NAME@_delete', op_delete)\n"
    "redis.register_function('@NAME@_delete_all', op_delete_all)\n";

/* Script mode: ARGV[1] names the operation. */
static const char redis_lua_script[] =
    "\n"
    "local ops = {get = op_get, get_all = op_get_all, upsert = op_upsert,\n"
    "  delete = op_delete, delete_all = op_delete_all}\n"
    "local op = ops[table.remove(ARGV, 1)]\n"
    "if not op then return redis.error_reply('ERR unknown charon op') end\n"
    "return op(KEYS, ARGV)\n";

static const char *const redis_lua_op_names[REDIS_OP_COUNT] = {
    "get", "get_all", "upsert", "delete", "delete_all"
};

const char *
redis_lua_op_name(enum redis_op op)
{
    return redis_lua_op_names[op];
}

int
redis_lua_op_readonly(enum redis_op op)
{
    return op == REDIS_OP_GET || op == REDIS_OP_GET_ALL;
}

/* The first 16 hex digits of SHA-256 over the whole template. */
static int
redis_lua_hash(char hex[17], struct charon_err *err)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok, i;

    if (ctx == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
         && EVP_DigestUpdate(ctx, redis_lua_body,
                             sizeof(redis_lua_body) - 1) == 1
         && EVP_DigestUpdate(ctx, redis_lua_functions,
                             sizeof(redis_lua_functions) - 1) == 1
         && EVP_DigestUpdate(ctx, redis_lua_script,
                             sizeof(redis_lua_script) - 1) == 1
         && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 8;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return charon_err_set(err, CHARON_EIO, "SHA-256 of the Redis "
                              "library failed");
    for (i = 0; i < 8; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    hex[16] = '\0';
    return CHARON_OK;
}

/* lua->sha: the SHA-1 of the script text, in hex, as Redis names it. */
static int
redis_lua_sha1(struct redis_lua *lua, struct charon_err *err)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;

    if (EVP_Digest(lua->script, lua->script_len, md, &mdlen, EVP_sha1(),
                   NULL) != 1 || mdlen != 20)
        return charon_err_set(err, CHARON_EIO, "SHA-1 of the Redis script "
                              "failed");
    for (i = 0; i < 20; i++) {
        lua->sha[2 * i] = digits[md[i] >> 4];
        lua->sha[2 * i + 1] = digits[md[i] & 0x0f];
    }
    lua->sha[40] = '\0';
    return CHARON_OK;
}

/* Appends src to dst at *pos with every "@NAME@" replaced by name; dst
 * has room (the caller sized it). */
static void
redis_lua_expand(char *dst, size_t *pos, const char *src, const char *name)
{
    const char *at;
    size_t nlen = strlen(name);

    while ((at = strstr(src, "@NAME@")) != NULL) {
        memcpy(dst + *pos, src, (size_t)(at - src));
        *pos += (size_t)(at - src);
        memcpy(dst + *pos, name, nlen);
        *pos += nlen;
        src = at + 6;
    }
    memcpy(dst + *pos, src, strlen(src));
    *pos += strlen(src);
}

int
redis_lua_init(struct redis_lua *lua, struct charon_err *err)
{
    char hex[17];
    size_t cap, pos = 0;
    int i, rc;

    memset(lua, 0, sizeof(*lua));
    rc = redis_lua_hash(hex, err);
    if (rc != CHARON_OK)
        return rc;
    memcpy(lua->name, "charon_fcgi_", 12);
    memcpy(lua->name + 12, hex, 17);
    for (i = 0; i < REDIS_OP_COUNT; i++) {
        memcpy(lua->fn[i], lua->name, 28);
        lua->fn[i][28] = '_';
        memcpy(lua->fn[i] + 29, redis_lua_op_names[i],
               strlen(redis_lua_op_names[i]) + 1);
    }
    /* Each "@NAME@" (6 bytes) grows by at most 28 - 6 bytes. */
    cap = 64 + sizeof(redis_lua_body) + sizeof(redis_lua_functions) * 5;
    lua->library = malloc(cap);
    lua->script = malloc(sizeof(redis_lua_body) + sizeof(redis_lua_script));
    if (lua->library == NULL || lua->script == NULL) {
        redis_lua_free(lua);
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    }
    redis_lua_expand(lua->library, &pos, "#!lua name=@NAME@\n", lua->name);
    redis_lua_expand(lua->library, &pos, redis_lua_body, lua->name);
    redis_lua_expand(lua->library, &pos, redis_lua_functions, lua->name);
    lua->library[pos] = '\0';
    lua->library_len = pos;
    pos = 0;
    redis_lua_expand(lua->script, &pos, redis_lua_body, lua->name);
    redis_lua_expand(lua->script, &pos, redis_lua_script, lua->name);
    lua->script[pos] = '\0';
    lua->script_len = pos;
    rc = redis_lua_sha1(lua, err);
    if (rc != CHARON_OK)
        redis_lua_free(lua);
    return rc;
}

void
redis_lua_free(struct redis_lua *lua)
{
    free(lua->library);
    free(lua->script);
    lua->library = NULL;
    lua->script = NULL;
}
