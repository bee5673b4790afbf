#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
/* Linux and glibc calls that Swift's Glibc module does not expose. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
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
/* pipe2(2), which glibc declares only with _GNU_SOURCE. Returns 0, or -1 with errno set. */
static inline int clinux_pipe2(int fds[2], int flags) {
    return (int)syscall(SYS_pipe2, fds, flags);
}

/* glibc 2.29+: the spawned child changes to `path` before it executes the program. */
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *restrict, const char *restrict);
static inline int clinux_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

/* pidfd_open(2) (Linux 5.3+): a descriptor that polls readable when the process exits. -1 with errno set
   (ENOSYS on older kernels). */
static inline int clinux_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
#endif
