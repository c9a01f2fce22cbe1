/* token_extract.c: placeholder, replaced in this session */
