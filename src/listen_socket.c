/* listen_socket.c: placeholder, replaced in this session */
