// arc4random(3) and arc4random_buf(3) on getrandom(2), for the release binary.
//
// The static libraries the release links (Debian 12's libcrypt.a and libstdc++.a) were built against
// glibc 2.36 and call arc4random_buf and arc4random, which glibc has only since 2.36. Defined here, in the
// program itself, the linker binds those calls to these definitions, so the binary needs no glibc newer
// than 2.35 (Ubuntu 22.04). Same contract as glibc's: cryptographically secure bytes, never fails (aborts
// if the kernel gives no randomness at all).
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

void arc4random_buf(void *buffer, size_t length) {
    unsigned char *bytes = buffer;
    while (length > 0) {
        ssize_t got = getrandom(bytes, length, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            abort();
        }
        bytes += got;
        length -= (size_t)got;
    }
}

uint32_t arc4random(void) {
    uint32_t value;
    arc4random_buf(&value, sizeof value);
    return value;
}
