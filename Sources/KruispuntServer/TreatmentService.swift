import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the treatment continuously inside `kruispunt serve`: buckets are published once the
/// watermark closes them (or the feed has been idle for `KRUISPUNT_IDLE_CLOSE` seconds). Of
/// several processes on one database only the holder of the treatment lease runs it; the others
/// ask for the lease every `interval` and take over when its holder is gone.
struct TreatmentService: Service {
    let runtime: Runtime
    let treatment: Treatment
    let interval: Duration

    func run() async throws {
        var idle = IdleClock(seconds: runtime.configuration.idleCloseSeconds)
        var leading: Bool?
        defer { runtime.lease.release() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // nil: the database is away, the run would fail, and the status shows the outage.
            let holds = await runtime.lease.acquireOffThreadPool()
            if let holds, holds != leading {
                leading = holds
                runtime.logger.notice(holds ? "treatment lease taken: this process runs the treatment"
                                            : "treatment lease held elsewhere: another process runs the treatment, this one stands by")
            }
            guard holds == true else {
                if holds == false, await runtime.endHungLeaseHolder() { continue }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                continue
            }
            do {
                let flush = idle.shouldClose
                let started = ContinuousClock.now
                let run = CancellableRun()
                let summary = try await withTaskCancellationHandler {
                    try await runtime.pool.withConnection { db in
                        try run.start(on: db)
                        defer { run.finish() }
                        return try runtime.treatAsLeaseHolder(treatment, on: db, flush: flush) { run.isCancelled }
                    }
                } onCancel: { run.cancel() }
                runtime.metrics.record(summary, duration: ContinuousClock.now - started)
                runtime.status.ran("treatment", error: nil)
                idle.record(summary)
            } catch where Task.isCancelled {
                runtime.logger.notice("treatment run abandoned at the shutdown deadline: rolled back, the next run starts from the checkpoint")
            } catch {
                runtime.metrics.record(nil, duration: .zero)
                runtime.status.ran("treatment", error: StatusService.reason(error))
                runtime.logger.error("treatment run failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

extension Runtime {
    /// A treatment run by the holder of the lease: on a connection named for it (so a standby can
    /// end it with the holder), showing progress on the lease between days; `isCancelled` as for
    /// `Treatment.run`. `serve` and `worker` both run the treatment this way.
    public func treatAsLeaseHolder(_ treatment: Treatment, on db: Connection, flush: Bool,
                                   isCancelled: () -> Bool = { false }) throws -> TreatmentSummary {
        try lease.named(db) {
            try treatment.run(on: db, flush: flush) {
                lease.beat()
                return isCancelled()
            }
        }
    }

    /// Ends a holder of the lease that showed no progress for the threshold, and logs it: whether
    /// one was ended (the next attempt then takes the lease).
    public func endHungLeaseHolder() async -> Bool {
        guard let hung = await lease.endHungHolderOffThreadPool() else { return false }
        logger.warning("treatment lease holder \(hung) showed no progress for \(Int(lease.staleSeconds)) s: its connections were ended, this process takes the lease over")
        return true
    }
}

/// A treatment run that a task's cancellation stops: the statement running is cancelled on the
/// server, and the run stops at its next check, so its transaction rolls back.
final class CancellableRun: Sendable {
    private let state = Mutex<(connection: Connection?, cancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Records the run's connection; throws when the cancellation came first.
    func start(on db: Connection) throws {
        try state.withLock {
            if $0.cancelled { throw CancellationError() }
            $0.connection = db
        }
    }

    func finish() { state.withLock { $0.connection = nil } }

    func cancel() {
        let connection = state.withLock { s -> Connection? in
            s.cancelled = true
            return s.connection
        }
        connection?.cancelRunningStatement()
    }
}

/// Runs the staging retention (and, when configured, the retention of published observations)
/// every hour inside `kruispunt serve`, and merges the quad store's load tables when there are
/// more than 32.
struct RetentionService: Service {
    let runtime: Runtime

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let hours = runtime.configuration.retentionHours
                let plan = try await runtime.pool.withConnection { db in
                    try StagingRetention.purge(keepHours: hours, dryRun: false, on: db)
                }
                if let days = runtime.configuration.publishedRetentionDays {
                    let removed = try await runtime.pool.withConnection { db in
                        try MemberRetention.purge(keepingDays: days, dryRun: false, on: db)
                    }
                    if !removed.members.isEmpty {
                        runtime.logger.info("published retention", metadata: [
                            "members": "\(removed.members.values.reduce(0, +))", "tablesDropped": "\(removed.droppedTables.count)",
                            "quadsDropped": "\(removed.quadsInDroppedTables)", "quadsDeleted": "\(removed.quadsDeleted)"])
                    }
                }
                let cutoff = Int64(Date.now.timeIntervalSince1970 * 1000) - Int64(runtime.configuration.accessLogDays) * 86_400_000
                let expired = try await runtime.pool.withConnection { db in try AccessLog.purge(olderThanMillis: cutoff, on: db) }
                if expired > 0 { runtime.logger.info("access log retention", metadata: ["entries": "\(expired)"]) }
                let merged = try await runtime.pool.withConnection { db in try QuadStore.compact(maxTables: 32, on: db) }
                if merged > 0 { runtime.logger.info("merged the quad store's load tables", metadata: ["tables": "\(merged)"]) }
                runtime.status.ran("retention", error: nil)
                if plan.detections + plan.quarantinedLines + plan.uploadRecords > 0 {
                    runtime.logger.info("retention", metadata: ["detections": "\(plan.detections)",
                                                                "quarantined": "\(plan.quarantinedLines)",
                                                                "uploads": "\(plan.uploadRecords)"])
                }
            } catch {
                runtime.status.ran("retention", error: StatusService.reason(error))
                runtime.logger.error("retention run failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Watches a drop folder inside `kruispunt serve --watch DIR`.
struct DropFolderService: Service {
    let runtime: Runtime
    let directory: URL

    func run() async throws {
        let ingestor = Ingestor(pseudonymiser: try runtime.pseudonymiser(), logger: runtime.logger)
        let folder = try DropFolder(directory: directory, ingestor: ingestor, logger: runtime.logger)
        folder.retentionHours = runtime.configuration.retentionHours
        let box = UncheckedBox(folder)
        let maxBacklog = runtime.configuration.maxBacklog
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Backpressure: while the treatment lags too far behind, the files wait in the folder.
            let backlog = maxBacklog > 0 ? (try? await runtime.pool.withConnection { db in try IngestAPI.backlog(on: db) }) : 0
            guard let backlog, backlog < maxBacklog || maxBacklog == 0 else {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
                continue
            }
            let outcomes = try? await runtime.ingestPool.withConnection { db in box.value.scan(on: db).compactMap { try? $0.1.get() } }
            for summary in outcomes ?? [] { runtime.metrics.record(summary) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
        }
    }
}

/// Hands a value used by one task at a time to the database queue.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Closes every open bucket once no detection arrived for a while (a quiet feed should not
/// hold back its last hours), once per quiet spell.
public struct IdleClock: Sendable {
    let seconds: Double
    var lastNewData = Date()
    var closedSinceData = false

    public init(seconds: Double) { self.seconds = seconds }

    /// Whether the next run should close every bucket.
    public var shouldClose: Bool { seconds > 0 && !closedSinceData && Date().timeIntervalSince(lastNewData) >= seconds }

    /// Notes what a run saw.
    public mutating func record(_ summary: TreatmentSummary) {
        if summary.detections > 0 { lastNewData = Date(); closedSinceData = false }
        else if shouldClose { closedSinceData = true }
    }
}
