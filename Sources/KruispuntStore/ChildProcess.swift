import Foundation

/// Runs a program and waits for it with posix_spawn and waitpid. Foundation's `Process` on Linux
/// waits for a descriptor every descendant inherits, so it never returns when the program leaves
/// a daemon behind (`pg_ctl start`). Output goes to a file, never to a pipe.
enum ChildProcess {
    /// Runs `path` with `arguments`; standard output and error are appended to `outputFile`
    /// (or a temporary file that is read back). Returns the exit status and that output.
    static func run(_ path: String, _ arguments: [String], outputFile: String? = nil) throws -> (status: Int32, output: String) {
        let capture = outputFile ?? NSTemporaryDirectory() + "kruispunt-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { if outputFile == nil { unlink(capture) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Start in / (the postgres user may not read the caller's folder), through a shell because
        // posix_spawn_file_actions_addchdir_np is not visible to Swift.
        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", path] + arguments)
            .map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        // Secrets (KRUISPUNT_*: pseudonym secret, tokens) never reach PostgreSQL's environment.
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("KRUISPUNT_") }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in environment { free(e) } }
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environment)
        guard rc == 0 else { throw StoreError("cannot run \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw StoreError("waitpid failed for \(path): \(String(cString: strerror(errno)))") }
        }
        let output = outputFile == nil ? ((try? String(contentsOfFile: capture, encoding: .utf8)) ?? "") : ""
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}
