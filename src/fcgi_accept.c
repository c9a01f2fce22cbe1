/* fcgi_accept.c - accepting web-server connections. */
#define _GNU_SOURCE   /* accept4 */
#include "fcgi_accept.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int
fcgi_accept_addr_allowed(const char *addrs, const char *addr)
{
    size_t n = strlen(addr), len;
    const char *p = addrs, *end;

    if (addrs == NULL || addrs[0] == '\0')
        return 1;
    while (*p != '\0') {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        end = p;
        while (*end != '\0' && *end != ',')
            end++;
        len = (size_t)(end - p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == n && len > 0 && memcmp(p, addr, n) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* Is a TCP peer one the operator allows?  Unix peers always are. */
static int
fcgi_accept_peer_ok(const struct sockaddr_storage *sa,
                    const struct fcgi_accept_opts *o)
{
    char text[INET6_ADDRSTRLEN];
    const void *a;

    if (o->web_server_addrs == NULL || o->web_server_addrs[0] == '\0')
        return 1;
    if (sa->ss_family == AF_INET)
        a = &((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa->ss_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    else
        return 1;
    if (inet_ntop(sa->ss_family, a, text, sizeof(text)) == NULL)
        return 0;
    return fcgi_accept_addr_allowed(o->web_server_addrs, text);
}

int
fcgi_accept(int listen_fd, const struct fcgi_accept_opts *o)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    struct timeval tv = { (time_t)o->timeout_s, 0 };
    int fd, one = 1;

    memset(&sa, 0, sizeof(sa));
    fd = accept4(listen_fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6) {
        if (!fcgi_accept_peer_ok(&sa, o)) {
            close(fd);
            errno = EAGAIN;
            return -1;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}
