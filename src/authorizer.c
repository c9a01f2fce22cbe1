/* authorizer.c: placeholder, replaced in this session */
