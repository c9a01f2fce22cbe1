/* clock.c: placeholder, replaced in this session */
