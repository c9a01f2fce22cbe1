/* keys.c: placeholder, replaced in this session */
