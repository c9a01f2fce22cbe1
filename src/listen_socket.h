/*
 * listen_socket.h - where the daemon listens: a unix socket (0660) or
 * TCP (127.0.0.1 unless told otherwise), or the socket on fd 0 that a
 * web server or spawn-fcgi handed over.
 */
#ifndef CHARON_LISTEN_SOCKET_H
#define CHARON_LISTEN_SOCKET_H

#include <stddef.h>

#include <charon/err.h>

/* Parses "unix:/path.sock" or "tcp:HOST:PORT" ("tcp:[::1]:9000" for v6),
 * opens, binds and listens.  A unix socket is created mode 0660, group
 * set to group when not NULL; a stale socket file (nobody listening) is
 * replaced, a live one is an error.  Returns the fd (each accepted
 * connection gets its timeouts in fcgi_accept). */
int listen_socket_open(const char *spec, const char *group, int *fd,
                       struct charon_err *err);

/* Removes the unix socket file of spec, if any (at exit). */
void listen_socket_unlink(const char *spec);

/* Is fd a listening socket (SO_ACCEPTCONN)?  The test for "spawned by a
 * web server / spawn-fcgi / systemd with the socket on fd 0". */
int listen_socket_is_listening(int fd);

#endif /* CHARON_LISTEN_SOCKET_H */
