/* key_cache.c: placeholder, replaced in this session */
