#ifndef CLIBSSH2_SHIM_H
#define CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/* libssh2 exposes many entry points only as function-like macros, which Swift does not import.
   These static inline wrappers re-expose the ones InstallerSSH needs. */

static inline LIBSSH2_SESSION *cssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline int cssh2_session_disconnect(LIBSSH2_SESSION *s, const char *why) {
    return libssh2_session_disconnect_ex(s, SSH_DISCONNECT_BY_APPLICATION, why, "");
}

static inline LIBSSH2_CHANNEL *cssh2_channel_open_session(LIBSSH2_SESSION *s, unsigned int window) {
    return libssh2_channel_open_ex(s, "session", sizeof("session") - 1, window,
                                   LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

static inline int cssh2_channel_exec(LIBSSH2_CHANNEL *c, const char *command, unsigned int length) {
    return libssh2_channel_process_startup(c, "exec", sizeof("exec") - 1, command, length);
}

static inline ssize_t cssh2_channel_read(LIBSSH2_CHANNEL *c, int stream, void *buffer, size_t length) {
    return libssh2_channel_read_ex(c, stream, (char *)buffer, length);
}

static inline ssize_t cssh2_channel_write(LIBSSH2_CHANNEL *c, const void *buffer, size_t length) {
    return libssh2_channel_write_ex(c, 0, (const char *)buffer, length);
}

static inline LIBSSH2_CHANNEL *cssh2_channel_direct_tcpip(LIBSSH2_SESSION *s, const char *host, int port) {
    return libssh2_channel_direct_tcpip_ex(s, host, port, "127.0.0.1", 22);
}

/* The strings returned by libssh2_channel_get_exit_signal are allocated by the session allocator. */
static inline void cssh2_free(LIBSSH2_SESSION *s, char *p) {
    if (p) libssh2_free(s, p);
}

static inline int cssh2_is_eagain(LIBSSH2_SESSION *s) {
    return libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN;
}

static inline LIBSSH2_SFTP_HANDLE *cssh2_sftp_open(LIBSSH2_SFTP *sftp, const char *path, unsigned int length,
                                                   unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, length, flags, mode, LIBSSH2_SFTP_OPENFILE);
}

static inline int cssh2_sftp_close(LIBSSH2_SFTP_HANDLE *h) { return libssh2_sftp_close_handle(h); }

static inline int cssh2_sftp_rename(LIBSSH2_SFTP *sftp, const char *from, unsigned int fromLength,
                                    const char *to, unsigned int toLength) {
    return libssh2_sftp_rename_ex(sftp, from, fromLength, to, toLength,
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE);
}

static inline int cssh2_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path, unsigned int length) {
    return libssh2_sftp_unlink_ex(sftp, path, length);
}

/* SHA-256 and HMAC-SHA1 from the OpenSSL that libssh2 is linked against (Debian 12: OpenSSL 3).
   Used for host-key fingerprints, hashed known_hosts entries and upload checksums. */
static inline void *cssh2_sha256_new(void) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) { EVP_MD_CTX_free(ctx); return NULL; }
    return ctx;
}
static inline void cssh2_sha256_update(void *ctx, const void *data, size_t length) {
    EVP_DigestUpdate((EVP_MD_CTX *)ctx, data, length);
}
static inline void cssh2_sha256_final(void *ctx, unsigned char *out32) {
    unsigned int n = 32;
    EVP_DigestFinal_ex((EVP_MD_CTX *)ctx, out32, &n);
    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
}
static inline int cssh2_hmac_sha1(const void *key, int keyLength, const void *data, size_t length,
                                  unsigned char *out20) {
    unsigned int n = 20;
    return HMAC(EVP_sha1(), key, keyLength, (const unsigned char *)data, length, out20, &n) != NULL;
}

/* epoll and eventfd for InstallerSSH's event loop (sys/epoll.h is not part of Swift's Glibc module,
   and struct epoll_event is packed on x86_64). */
static inline int cssh2_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int cssh2_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline int cssh2_epoll_ctl(int epfd, int op, int fd, unsigned int events) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.fd = fd;
    int kind = op == 0 ? EPOLL_CTL_ADD : op == 1 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return epoll_ctl(epfd, kind, fd, &ev);
}
/* Waits and writes up to `max` ready descriptors and their events; returns the count or -1. */
static inline int cssh2_epoll_wait(int epfd, int *fds, unsigned int *events, int max, int timeout) {
    struct epoll_event ev[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, ev, max, timeout);
    for (int i = 0; i < n; i++) { fds[i] = ev[i].data.fd; events[i] = ev[i].events; }
    return n;
}
#endif
