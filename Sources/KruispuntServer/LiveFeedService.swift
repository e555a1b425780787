import Foundation
import KruispuntDashboard
import KruispuntStore
import Logging
import ServiceLifecycle
import Synchronization

/// Hands newly published observations to every open live feed (`/live`).
final class LiveBroadcaster: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<[LiveObservation]>.Continuation] = [:]
        var closed = false
    }
    private let state = Mutex(State())

    /// A new subscription: its id (to end it) and the batches it receives (an empty batch is a
    /// heartbeat). The stream ends when the server shuts down.
    func subscribe() -> (Int, AsyncStream<[LiveObservation]>) {
        let (stream, continuation) = AsyncStream<[LiveObservation]>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = state.withLock { s -> Int in
            s.next += 1
            if s.closed { continuation.finish() } else { s.subscribers[s.next] = continuation }
            return s.next
        }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    func publish(_ batch: [LiveObservation]) {
        for c in state.withLock({ Array($0.subscribers.values) }) { c.yield(batch) }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every subscription (shutdown).
    func close() {
        let all = state.withLock { s -> [AsyncStream<[LiveObservation]>.Continuation] in
            s.closed = true
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for c in all { c.finish() }
    }
}

/// Listens on its own connection for the notification every commit of new members sends
/// (`LISTEN kruispunt_members`), reads the new observations and broadcasts them; every 15 s a
/// heartbeat. It also reads every 5 s without a notification, so a lost notification (a
/// reconnect) delays an update at most that long. Waiting happens on a thread of its own, not
/// on the cooperative pool.
struct LiveFeedService: Service {
    let runtime: Runtime
    let broadcaster: LiveBroadcaster

    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    func run() async throws {
        let stop = Flag()
        let thread = Thread { [runtime, broadcaster] in
            var last: Int64?
            var db: Connection?
            var quietSince = Date.now, heartbeat = Date.now
            while !stop.raised.load(ordering: .relaxed) {
                do {
                    if db == nil {
                        let c = try runtime.connect()
                        try c.execute("LISTEN \(StreamMemberIndex.notificationChannel)")
                        db = c
                        if last == nil { last = try LiveFeed.lastSeq(on: c) }
                    }
                    let notes = try db!.notifications(timeout: 1)
                    if !notes.isEmpty || Date.now.timeIntervalSince(quietSince) >= 5 {
                        quietSince = .now
                        var batch = try LiveFeed.after(last ?? 0, limit: 200, on: db!)
                        while !batch.isEmpty {
                            last = batch.last!.seq
                            broadcaster.publish(batch)
                            heartbeat = .now
                            batch = batch.count == 200 ? try LiveFeed.after(last!, limit: 200, on: db!) : []
                        }
                    }
                    if Date.now.timeIntervalSince(heartbeat) >= 15 {
                        broadcaster.publish([])
                        heartbeat = .now
                    }
                } catch {
                    runtime.logger.warning("live feed: \(error); reconnecting in 2 s")
                    db = nil
                    Thread.sleep(forTimeInterval: 2)
                }
            }
        }
        thread.name = "kruispunt-live-feed"
        thread.start()
        // Until shutdown (graceful or not): then every open feed ends, so that requests finish.
        try? await gracefulShutdown()
        broadcaster.close()
        stop.raised.store(true, ordering: .relaxed)
    }
}
