/* config_ini.c: placeholder, replaced in this session */
