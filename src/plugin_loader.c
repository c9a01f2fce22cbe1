/* plugin_loader.c: placeholder, replaced in this session */
