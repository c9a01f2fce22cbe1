/* plugin_host.c: placeholder, replaced in this session */
