#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
/* Linux and glibc calls that Swift's Glibc module does not expose. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Atomically exchanges two paths (renameat2 with RENAME_EXCHANGE). Returns 0, or -1 with errno set. */
static inline int clinux_rename_exchange(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
}

/* crypt(3): SHA-512 crypt when the setting starts with $6$. Returns NULL or a "*" string on failure. */
static inline const char *clinux_crypt(const char *phrase, const char *setting) {
    return crypt(phrase, setting);
}
/* getrandom(2): fills buf with random bytes. */
static inline long clinux_getrandom(void *buf, unsigned long length) {
    return (long)getrandom(buf, length, 0);
}
#endif
