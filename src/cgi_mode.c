/* cgi_mode.c: placeholder, replaced in this session */
