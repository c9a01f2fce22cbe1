/* claims.c: placeholder, replaced in this session */
