/* endpoint_jwks.c: placeholder, replaced in this session */
