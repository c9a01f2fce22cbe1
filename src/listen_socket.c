/* listen_socket.c - unix and TCP listening sockets. */
#include "listen_socket.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

int
listen_socket_is_listening(int fd)
{
    int v = 0;
    socklen_t len = sizeof(v);

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0)
        return 0;
    return v != 0;
}

/* Is someone accepting on path?  Then it is not ours to replace. */
static int
listen_socket_in_use(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return 0;
    rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    close(fd);
    return rc == 0;
}

static int
listen_socket_unix(const char *path, const char *group, int *out,
                   struct charon_err *err)
{
    struct sockaddr_un sa;
    struct group gr, *grp = NULL;
    struct stat st;
    char grbuf[4096];
    mode_t old;
    int fd, rc;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
        return charon_err_set(err, CHARON_ECONFIG,
                              "unix socket path must be absolute and under "
                              "%zu bytes: %s", sizeof(sa.sun_path), path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (group != NULL &&
        (getgrnam_r(group, &gr, grbuf, sizeof(grbuf), &grp) != 0 ||
         grp == NULL))
        return charon_err_set(err, CHARON_ECONFIG, "no such group: %s",
                              group);
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return charon_err_set(err, CHARON_ECONFIG,
                                  "%s exists and is not a socket", path);
        if (listen_socket_in_use(&sa))
            return charon_err_set(err, CHARON_ECONFIG,
                                  "%s: another process is listening there",
                                  path);
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return charon_err_set(err, CHARON_EIO, "socket: %m");
    old = umask(0117);           /* bind() creates the file 0660 */
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0) {
        rc = charon_err_set(err, CHARON_EIO, "bind %s: %m", path);
        close(fd);
        return rc;
    }
    /* lchown: never follow a link someone swapped in after bind(). */
    if (grp != NULL && lchown(path, (uid_t)-1, grp->gr_gid) < 0) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "give %s to group %s: %m (this user must be a "
                            "member of %s)", path, group, group);
        close(fd);
        unlink(path);
        return rc;
    }
    if (listen(fd, LISTEN_BACKLOG) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "set up %s: %m", path);
        close(fd);
        unlink(path);
        return rc;
    }
    *out = fd;
    return CHARON_OK;
}

static int
listen_socket_tcp(const char *hostport, int *out, struct charon_err *err)
{
    struct addrinfo hints, *res = NULL;
    char host[256];
    const char *port, *colon;
    size_t hlen;
    int fd, one = 1, gai, rc;

    colon = strrchr(hostport, ':');
    if (colon == NULL || colon[1] == '\0')
        return charon_err_set(err, CHARON_ECONFIG,
                              "tcp listen address needs HOST:PORT: %s",
                              hostport);
    port = colon + 1;
    hlen = (size_t)(colon - hostport);
    if (hlen >= 2 && hostport[0] == '[' && hostport[hlen - 1] == ']') {
        hostport++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(host))
        return charon_err_set(err, CHARON_ECONFIG, "bad tcp host in %s",
                              hostport);
    memcpy(host, hostport, hlen);
    host[hlen] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0)
        return charon_err_set(err, CHARON_ECONFIG, "tcp %s:%s: %s", host,
                              port, gai_strerror(gai));
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = charon_err_set(err, CHARON_EIO, "socket: %m");
        goto out;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
        listen(fd, LISTEN_BACKLOG) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "listen on %s:%s: %m", host,
                            port);
        close(fd);
        goto out;
    }
    *out = fd;
    rc = CHARON_OK;
out:
    freeaddrinfo(res);
    return rc;
}

int
listen_socket_open(const char *spec, const char *group, int *fd,
                   struct charon_err *err)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return listen_socket_unix(spec + 5, group, fd, err);
    if (strncmp(spec, "tcp:", 4) == 0)
        return listen_socket_tcp(spec + 4, fd, err);
    return charon_err_set(err, CHARON_ECONFIG,
                          "--listen takes unix:/path.sock or "
                          "tcp:HOST:PORT, not \"%s\"", spec);
}

void
listen_socket_unlink(const char *spec)
{
    if (spec != NULL && strncmp(spec, "unix:", 5) == 0)
        unlink(spec + 5);
}
