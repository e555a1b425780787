import Foundation
import KruispuntStore
import Logging
import ServiceLifecycle
import Synchronization

/// Entries waiting to be appended to the access log. Requests hand their entry over without
/// waiting for the database; `AccessLogService` appends what has gathered twice a second, in
/// order, and keeps it when the database is away, so that no access goes unrecorded. Beyond
/// `memoryLimit` waiting entries (a long outage) they move to a spool file in the data folder, so
/// memory stays bounded; the spool holds the oldest entries and is appended first, also by the
/// next process when this one died before the database came back.
final class AccessLogRecorder: Sendable {
    private let pending = Mutex<[AccessLog.Entry]>([])
    /// Requests go unrecorded while this is set (a switchable log, paused: `AccessLogMode`).
    let paused = Atomic<Bool>(false)
    private let spool: URL?
    private let memoryLimit: Int

    init(spool: URL? = nil, memoryLimit: Int = 100_000) {
        self.spool = spool
        self.memoryLimit = memoryLimit
    }

    func record(_ entry: AccessLog.Entry) {
        pending.withLock { p in
            p.append(entry)
            if p.count > memoryLimit { spill(&p) }
        }
    }

    /// Everything recorded so far (the spool's entries first), removed from the waiting line.
    func take() -> [AccessLog.Entry] {
        pending.withLock { p in
            defer { p.removeAll(keepingCapacity: true) }
            return unspool() + p
        }
    }

    /// Puts entries back in front (the database refused them).
    func giveBack(_ entries: [AccessLog.Entry]) {
        pending.withLock { p in
            p.insert(contentsOf: entries, at: 0)
            if p.count > memoryLimit { spill(&p) }
        }
    }

    /// Appends the waiting entries to the spool file (one JSON object a line), behind the older
    /// ones there. If the file cannot be written they stay in memory.
    private func spill(_ entries: inout [AccessLog.Entry]) {
        guard let spool else { return }
        let encoder = JSONEncoder()
        var data = Data()
        for entry in entries {
            guard let line = try? encoder.encode(entry) else { continue }
            data.append(line)
            data.append(0x0A)
        }
        if !FileManager.default.fileExists(atPath: spool.path) {
            guard FileManager.default.createFile(atPath: spool.path, contents: nil, attributes: [.posixPermissions: 0o600]) else { return }
        }
        guard let handle = try? FileHandle(forWritingTo: spool) else { return }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            try handle.synchronize()
            entries.removeAll(keepingCapacity: false)
        } catch {
            // Kept in memory: the next spill tries again.
        }
    }

    /// The spool's entries, the file removed.
    private func unspool() -> [AccessLog.Entry] {
        guard let spool, let data = try? Data(contentsOf: spool) else { return [] }
        try? FileManager.default.removeItem(at: spool)
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(AccessLog.Entry.self, from: $0) }
    }

    /// Whether entries wait in the spool file.
    var spooled: Bool { spool.map { FileManager.default.fileExists(atPath: $0.path) } ?? false }

    var waiting: Int { pending.withLock { $0.count } }

    /// Records what the server does with the log itself (its mode at the start, a pause or a
    /// resumption) as an administrative entry.
    func recordLogEvent(_ what: String) {
        record(AccessLog.Entry(kind: "admin", atMillis: Int64(Date.now.timeIntervalSince1970 * 1000),
                               identity: "os:pid \(getpid())", method: "SERVER", path: what, query: nil))
    }

    /// Pauses or resumes recording, and records that it did.
    func toggle() {
        let nowPaused = !paused.load(ordering: .relaxed)
        paused.store(nowPaused, ordering: .relaxed)
        recordLogEvent(nowPaused ? "access log paused (SIGUSR1)" : "access log resumed (SIGUSR1)")
    }
}

/// Appends recorded entries to the access log every half second, and what is left at shutdown.
struct AccessLogService: Service {
    let runtime: Runtime
    let recorder: AccessLogRecorder
    /// A connection of its own: appending never waits behind requests or uploads.
    let pool: ConnectionPool

    init(runtime: Runtime, recorder: AccessLogRecorder) {
        self.runtime = runtime
        self.recorder = recorder
        self.pool = ConnectionPool(conninfo: runtime.conninfo, size: 1)
    }

    func run() async throws {
        var round = 0
        // While the database is away: when the failures began and when one was last logged.
        var failing: (since: ContinuousClock.Instant, logged: ContinuousClock.Instant)?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = ContinuousClock.now
            if let error = await flush() {
                // Logged when it starts and once a minute after, not twice a second.
                if failing == nil || now - failing!.logged >= .seconds(60) {
                    runtime.logger.error("the access log could not be written; \(recorder.waiting) entries wait in memory: \(error)")
                    failing = (failing?.since ?? now, now)
                }
            } else if let since = failing {
                runtime.logger.notice("the access log is written again", metadata: ["seconds": "\(Int((now - since.since).components.seconds))"])
                failing = nil
            }
            round += 1
            if round % 4 == 0 { await importAudit() }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(500)) }
        }
        // The server has stopped taking requests: whatever they recorded goes in now.
        for _ in 0..<20 where recorder.waiting > 0 || recorder.spooled {
            await flush()
            if recorder.waiting > 0 || recorder.spooled { try? await Task.sleep(for: .milliseconds(250)) }
        }
    }

    /// Direct database sessions pgaudit logged since the last import (embedded cluster only).
    private func importAudit() async {
        guard let file = runtime.auditLogFile else { return }
        do {
            _ = try await pool.withConnection { db in try DatabaseAudit.importNew(logFile: file, witness: runtime.accessLogWitness, on: db) }
        } catch {
            runtime.logger.warning("the database audit log could not be read into the access log: \(error)")
        }
    }

    /// Appends what waits; the error when the database refused it (the entries wait on).
    @discardableResult
    private func flush() async -> (any Error)? {
        let entries = recorder.take()
        guard !entries.isEmpty else { return nil }
        do {
            try await pool.withConnection { db in try AccessLog.append(entries, on: db, witness: runtime.accessLogWitness) }
            return nil
        } catch {
            recorder.giveBack(entries)
            return error
        }
    }
}
