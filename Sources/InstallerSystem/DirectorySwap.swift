import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces a directory with another in one atomic step, so readers see either the old tree or the
/// new one, never a mix and never nothing.
public enum DirectorySwap {
    /// Moves `staged` to `target`. If `target` exists, the two are exchanged atomically
    /// (`renameat2(RENAME_EXCHANGE)`) and the old tree, now at `staged`, is removed.
    public static func replace(_ target: String, with staged: String) throws(SystemError) {
        if access(target, F_OK) != 0 {
            guard rename(staged, target) == 0 else {
                throw SystemError("move \(staged) to", path: target, errno: errno)
            }
            return
        }
        if clinux_rename_exchange(staged, target) == 0 {
            try removeTree(staged)
            return
        }
        let exchangeError = errno
        guard exchangeError == EINVAL || exchangeError == ENOSYS || exchangeError == EOPNOTSUPP else {
            throw SystemError("exchange \(staged) with", path: target, errno: exchangeError)
        }
        // Filesystems without RENAME_EXCHANGE: two renames, with a moment where target is absent.
        let old = staged + ".old"
        guard rename(target, old) == 0 else { throw SystemError("move aside", path: target, errno: errno) }
        guard rename(staged, target) == 0 else {
            let failure = errno
            _ = rename(old, target)
            throw SystemError("move \(staged) to", path: target, errno: failure)
        }
        try removeTree(old)
    }

    /// Removes a directory tree (no symlink is followed).
    public static func removeTree(_ path: String) throws(SystemError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SystemError("inspect", path: path, errno: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            guard let directory = opendir(path) else { throw SystemError("open directory", path: path, errno: errno) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw SystemError("remove directory", path: path, errno: errno) }
        } else {
            guard unlink(path) == 0 else { throw SystemError("remove", path: path, errno: errno) }
        }
    }
}
