/*
 * fcgi_accept.h - taking a web-server connection off the listening
 * socket ourselves (libfcgi would accept inside FCGX_Accept_r, before we
 * could count the connection or give it a timeout).
 */
#ifndef CHARON_FCGI_ACCEPT_H
#define CHARON_FCGI_ACCEPT_H

/* What every accepted connection gets. */
struct fcgi_accept_opts {
    long timeout_s;            /* SO_RCVTIMEO and SO_SNDTIMEO           */
    /* libfcgi's FCGI_WEB_SERVER_ADDRS, read once at start: a comma list
     * of the only addresses a TCP peer may have; NULL or "": any. */
    const char *web_server_addrs;
};

/*
 * Accepts one connection from the (non-blocking) listening socket,
 * blocking itself, close-on-exec, with the timeouts set (Linux does not
 * pass a listening unix socket's SO_RCVTIMEO on to its connections) and
 * TCP_NODELAY on TCP.  A TCP peer outside web_server_addrs is closed at
 * once.  Returns the fd, or -1 with errno: EAGAIN when another thread
 * took the connection first or the peer was refused, else accept(2)'s.
 */
int fcgi_accept(int listen_fd, const struct fcgi_accept_opts *o);

/* Is the text address addr in the comma list addrs?  (Exposed for the
 * unit test.)  An empty or NULL list allows every address. */
int fcgi_accept_addr_allowed(const char *addrs, const char *addr);

#endif /* CHARON_FCGI_ACCEPT_H */
