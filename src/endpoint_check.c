/* endpoint_check.c: placeholder, replaced in this session */
