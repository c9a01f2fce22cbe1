/* config_errors.c: placeholder, replaced in this session */
