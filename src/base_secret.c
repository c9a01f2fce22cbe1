/* base_secret.c: placeholder, replaced in this session */
