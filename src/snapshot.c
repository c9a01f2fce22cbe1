/* snapshot.c: placeholder, replaced in this session */
