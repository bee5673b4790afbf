#!/usr/bin/env python3
"""Makes a stripped release binary independent of the directory it was built in: normalize-elf.py FILE.

Swift 6.3 gives every object file a 16-byte module hash in a `.swift_modhash` section, computed from
the absolute paths of its sources: no -file-prefix-map applies to it, so two clones of one commit give
different bytes there, and the linker's build id, a digest of the whole file, differs too. Nothing
reads the section at run time (the runtime finds its metadata through program headers and the
swift5_* sections, never by section name). So this zeroes `.swift_modhash` in place (same size and
layout) and sets the GNU build id to the leading bytes of the SHA-256 of the file with the build id
zeroed: a digest of what the binary is, as the linker's was. Fails when either section is missing.
"""
import hashlib
import struct
import sys


def sections(data):
    """{name: (offset, size)} from the ELF64 little-endian section headers."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("normalize-elf.py: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = []
    for index in range(shnum):
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", data, shoff + index * shentsize)
        headers.append((name, offset, size))
    strtab_offset = headers[shstrndx][1]
    result = {}
    for name, offset, size in headers:
        end = data.index(b"\0", strtab_offset + name)
        result[data[strtab_offset + name:end].decode()] = (offset, size)
    return result


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: normalize-elf.py FILE")
    path = sys.argv[1]
    data = bytearray(open(path, "rb").read())
    found = sections(data)
    for name in (".swift_modhash", ".note.gnu.build-id"):
        if name not in found:
            sys.exit(f"normalize-elf.py: {path} has no {name} section")
    offset, size = found[".swift_modhash"]
    data[offset:offset + size] = bytes(size)
    # The note: namesz, descsz, type, "GNU\0", then descsz bytes of id.
    offset, size = found[".note.gnu.build-id"]
    namesz, descsz, kind = struct.unpack_from("<III", data, offset)
    name_end = offset + 12 + ((namesz + 3) & ~3)
    if kind != 3 or data[offset + 12:offset + 12 + namesz] != b"GNU\0" or name_end + descsz > offset + size:
        sys.exit(f"normalize-elf.py: {path}: unexpected build-id note")
    data[name_end:name_end + descsz] = bytes(descsz)
    digest = hashlib.sha256(data).digest()
    data[name_end:name_end + descsz] = (digest * 2)[:descsz]
    with open(path, "wb") as out:
        out.write(data)


main()
