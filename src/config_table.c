/* config_table.c: placeholder, replaced in this session */
