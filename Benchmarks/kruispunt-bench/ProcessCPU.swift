import Foundation

/// CPU time a server process and its embedded PostgreSQL cluster have used (Linux `/proc`).
enum ProcessCPU {
    /// User and system seconds of `server` (all its threads), the postmaster of the cluster in
    /// `dataDir/pg` and the postmaster's children (backends, WAL writer, checkpointer…).
    static func seconds(server: Int32, dataDir: URL) -> Double {
        var total = stat(server)?.seconds ?? 0
        let pidFile = dataDir.appendingPathComponent("pg/postmaster.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
              let postmaster = text.split(separator: "\n").first.flatMap({ Int32($0) }) else { return total }
        total += stat(postmaster)?.seconds ?? 0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let s = stat(pid), s.parent == postmaster else { continue }
            total += s.seconds
        }
        return total
    }

    /// The parent and the CPU seconds (utime + stime) in `/proc/PID/stat`.
    private static func stat(_ pid: Int32) -> (parent: Int32, seconds: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the command name: state, ppid, …, utime (the 12th), stime (the 13th).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (parent, (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }
}
