/* router.c: placeholder, replaced in this session */
