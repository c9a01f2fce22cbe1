/* config_charon.c: placeholder, replaced in this session */
