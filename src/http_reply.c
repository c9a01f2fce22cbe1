/* http_reply.c: placeholder, replaced in this session */
