/* config.c: placeholder, replaced in this session */
