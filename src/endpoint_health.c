/* endpoint_health.c: placeholder, replaced in this session */
