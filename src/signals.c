/* signals.c: placeholder, replaced in this session */
