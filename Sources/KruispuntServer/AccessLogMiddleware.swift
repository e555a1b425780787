import Foundation
import HTTPTypes
import Hummingbird
import KruispuntStore
import Synchronization

/// Records every request in the access log (health probes aside): when, who (`Identity.current`:
/// the role of a bearer token and a digest of it, never the token, and its tenant), from where (`X-Forwarded-For`), method,
/// path and query (a SPARQL query sent in a POST body too), status, rows returned (what a
/// handler reports in `X-Kruispunt-Rows`), bytes and duration (until the answer is ready, or,
/// for a streamed body, until it has been sent).
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let recorder: AccessLogRecorder
    /// Reads a SPARQL query sent as a POST body (408 when it trickles in, 413 beyond `bodyLimit`).
    let slow: SlowBody
    let bodyLimit: Int
    /// Longest query text kept per entry.
    let maxQueryBytes = 100_000

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix("/health/"), !recorder.paused.load(ordering: .relaxed) else { return try await next(request, context) }
        let started = ContinuousClock.now
        let identity = Identity.current
        var entry = AccessLog.Entry(atMillis: Int64(Date.now.timeIntervalSince1970 * 1000), identity: identity.logName,
                                    tenant: identity.tenant, client: BearerToken.forwardedFor(request),
                                    method: request.method.rawValue, path: path, query: request.uri.query.map(clip))
        var request = request
        let recorder = self.recorder
        do {
            if request.method == .post, path == "/sparql" {
                // The query is the body: kept for the log, handed on unchanged.
                let body = try await slow.collect(request.body, upTo: bodyLimit)
                entry.query = clip(String(buffer: body))
                request = Request(head: request.head, body: .init(buffer: body))
            }
            var response = try await next(request, context)
            entry.status = Int(response.status.code)
            entry.items = response.headers[accessLogRowsField].flatMap(Int.init)
            if let length = response.body.contentLength {
                // A body of known length is recorded at once: wrapping it would cost the server
                // its single-write path (a third of the rate of cached stream pages).
                entry.bytes = length
                entry.durationMicros = Self.micros(since: started)
                recorder.record(entry)
            } else {
                // A streamed body is recorded once sent, with its bytes and the whole time taken.
                response.body = Self.recording(response.body, entry: entry, recorder: recorder, started: started)
            }
            return response
        } catch {
            entry.status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            entry.durationMicros = Self.micros(since: started)
            recorder.record(entry)
            throw error
        }
    }

    /// `body`, recording `entry` with the bytes written and the time taken once it is finished
    /// (or has failed).
    static func recording(_ body: ResponseBody, entry: AccessLog.Entry, recorder: AccessLogRecorder,
                          started: ContinuousClock.Instant) -> ResponseBody {
        ResponseBody(contentLength: body.contentLength) { writer in
            let counter = ByteCounter()
            do {
                try await body.write(CountingBodyWriter(parent: writer, counter: counter))
            } catch {
                var failed = entry
                failed.bytes = counter.bytes
                failed.durationMicros = micros(since: started)
                recorder.record(failed)
                throw error
            }
            var done = entry
            done.bytes = counter.bytes
            done.durationMicros = micros(since: started)
            recorder.record(done)
        }
    }

    static func micros(since started: ContinuousClock.Instant) -> Int64 {
        let d = ContinuousClock.now - started
        return d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    }

    private func clip(_ text: String) -> String {
        text.utf8.count <= maxQueryBytes ? text : String(decoding: text.utf8.prefix(maxQueryBytes), as: UTF8.self) + "…"
    }
}

/// The header a handler states the rows (or triples) of its answer in, for the access log.
let accessLogRowsField = HTTPField.Name("X-Kruispunt-Rows")!

/// Bytes a response body has written so far (one body writes at a time).
final class ByteCounter: Sendable {
    private let count = Atomic<Int>(0)
    var bytes: Int { count.load(ordering: .relaxed) }
    func add(_ n: Int) { count.add(n, ordering: .relaxed) }
}

/// Passes writes on and counts their bytes.
private struct CountingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let counter: ByteCounter

    mutating func write(_ buffer: ByteBuffer) async throws {
        counter.add(buffer.readableBytes)
        try await parent.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.finish(trailingHeaders)
    }
}
