/* worker.c: placeholder, replaced in this session */
