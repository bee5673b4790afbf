#if canImport(Glibc)
    import Glibc
#endif

/// Reading secrets from the terminal without echo.
public enum Terminal {
    /// Prompts on stderr and reads one line from the terminal with echo off. When stdin is not a
    /// terminal, reads one line from stdin (for scripts: `echo secret | tool --hash-password`).
    public static func readSecret(prompt: String) -> String? {
        let isTTY = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if isTTY {
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
            // Prompt only once echo is off, so nothing typed after the prompt is echoed or flushed.
            writeError(prompt)
        }
        defer {
            if isTTY {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                writeError("\n")
            }
        }
        guard let line = readLine(strippingNewline: true) else { return nil }
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }

    /// Writes text to standard error, unbuffered.
    public static func writeError(_ text: String) {
        writeAll(text, to: STDERR_FILENO)
    }

    /// Writes text to standard output, unbuffered.
    public static func writeOutput(_ text: String) {
        writeAll(text, to: STDOUT_FILENO)
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    public static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
