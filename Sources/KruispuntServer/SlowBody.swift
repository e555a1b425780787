import Foundation
import Hummingbird
import Synchronization

/// Request bodies that trickle in are cut off with 408: a body must keep arriving (no gap between
/// chunks longer than `idle`) and, once `idle` has passed, at `minimumRate` bytes a second on
/// average. A client that holds a connection open by sending a byte now and then (slowloris)
/// gets its 408 within `idle` plus a second, and nothing it sent is applied.
struct SlowBody: Sendable {
    /// The longest gap between two chunks (`KRUISPUNT_UPLOAD_IDLE_SECONDS`, default 20).
    let idle: Duration
    /// The lowest average rate once `idle` has passed (`KRUISPUNT_UPLOAD_MIN_RATE`, bytes a second, default 1024).
    let minimumRate: Int

    /// Reads `body` chunk by chunk into `state` with `consume`, in a task raced by a watchdog that
    /// throws 408 when the body stalls or crawls; on a 408 the partial state is dropped.
    func read<State: Sendable>(_ body: RequestBody, into state: State,
                               _ consume: @escaping @Sendable (inout State, ByteBuffer) throws -> Void) async throws -> State {
        let progress = Progress()
        let idle = self.idle, minimumRate = self.minimumRate
        return try await withThrowingTaskGroup(of: State?.self) { group in
            group.addTask {
                var state = state
                for try await chunk in body {
                    try Task.checkCancellation()
                    progress.received(chunk.readableBytes)
                    try consume(&state, chunk)
                }
                // A body cut short by cancellation must not count as whole.
                try Task.checkCancellation()
                progress.finish()
                return state
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    if let verdict = progress.verdict(idle: idle, minimumRate: minimumRate) {
                        if verdict { return nil }
                        throw HTTPError(.requestTimeout, headers: [.connection: "close"], message: """
                            Upload te traag: de inhoud moet blijven binnenkomen / upload too slow: the body stalled or \
                            crawled (gaps of at most \(idle.components.seconds) s, at least \(minimumRate) bytes a second)
                            """)
                    }
                }
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw HTTPError(.badRequest)
        }
    }

    /// The whole body in one buffer: 413 beyond `limit` bytes, 408 when it stalls or crawls.
    func collect(_ body: RequestBody, upTo limit: Int) async throws -> ByteBuffer {
        try await read(body, into: ByteBuffer()) { buffer, chunk in
            guard buffer.readableBytes + chunk.readableBytes <= limit else {
                throw HTTPError(.contentTooLarge, message: "Inhoud groter dan \(limit) bytes / body larger than \(limit) bytes")
            }
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
    }

    /// How far a body has come.
    final class Progress: Sendable {
        private struct State {
            var started = ContinuousClock.now
            var last = ContinuousClock.now
            var bytes = 0
            var done = false
        }
        private let state = Mutex(State())

        func received(_ n: Int) { state.withLock { $0.bytes += n; $0.last = .now } }
        func finish() { state.withLock { $0.done = true } }

        /// true: the body is complete; false: it stalled or crawls; nil: keep waiting.
        func verdict(idle: Duration, minimumRate: Int) -> Bool? {
            state.withLock { s in
                if s.done { return true }
                let now = ContinuousClock.now
                if now - s.last > idle { return false }
                let elapsed = now - s.started
                if elapsed > idle {
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    if Double(s.bytes) / seconds < Double(minimumRate) { return false }
                }
                return nil
            }
        }
    }
}

/// Reads every request body but the ingest API's (which streams its own, through `SlowBody`) in
/// full before any other middleware or route sees it, refusing one that stalls or crawls (408)
/// or exceeds `limit` (413). Installed first, so that no handler ever waits on a slow client.
struct SlowBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let slow: SlowBody
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head, request.method != .options,
              request.uri.path != "/api/ingest" else { return try await next(request, context) }
        var request = request
        request.body = .init(buffer: try await slow.collect(request.body, upTo: limit))
        return try await next(request, context)
    }
}

extension Configuration {
    /// The slow-body limits this configuration sets.
    var slowBody: SlowBody {
        SlowBody(idle: .milliseconds(Int(uploadIdleSeconds * 1000)), minimumRate: uploadMinimumRate)
    }
}
