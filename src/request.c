/* request.c: placeholder, replaced in this session */
