/* fcgi_loop.c: placeholder, replaced in this session */
