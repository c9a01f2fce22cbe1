/* ids.c: placeholder, replaced in this session */
