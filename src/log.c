/* log.c: placeholder, replaced in this session */
