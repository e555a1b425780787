import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import KruispuntANPR
import KruispuntStore
import KruispuntTreatment
import Synchronization

/// `POST /api/ingest`: a CSV or NDJSON body (gzip allowed), a bearer token with the ingest role,
/// an optional `Idempotency-Key` so that a retried upload is applied once. The body is spooled to
/// a private file (413 past the limit) and ingested as one atomic batch.
struct IngestAPI: Sendable {
    let runtime: Runtime
    /// Uploads being received or ingested now.
    private let uploads = UploadSlots()

    /// Removes upload spool files left by a crash (they hold raw detections).
    func clearSpool() {
        let spool = runtime.configuration.dataDirectory.appendingPathComponent("uploads")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? [] {
            try? FileManager.default.removeItem(at: spool.appendingPathComponent(name))
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/ingest") { request, context in try await ingest(request, context: context) }
        router.get("/api/quarantine") { request, _ in try await quarantine(request) }
    }

    private func ingest(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try Identity.require(.ingest)
        let limit = runtime.configuration.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge, message: "Upload groter dan \(limit) bytes / upload larger than \(limit) bytes")
        }
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, key.isEmpty || key.count > 200 {
            throw HTTPError(.badRequest, message: "Idempotency-Key must be 1 to 200 characters")
        }
        // Backpressure, before a byte is spooled: a bounded number of uploads at once, and none
        // while the treatment lags too far behind (the client retries after Retry-After).
        guard uploads.enter(limit: runtime.configuration.maxConcurrentUploads) else {
            return RetryLaterMiddleware<BasicRequestContext>.answer(.tooManyRequests, retryAfter: 2,
                "Te veel gelijktijdige uploads, probeer het zo opnieuw / too many uploads at once, retry shortly")
        }
        defer { uploads.leave() }
        let maxBacklog = runtime.configuration.maxBacklog
        if maxBacklog > 0 {
            let backlog = try await runtime.pool.withConnection { db in try Self.backlog(on: db) }
            if backlog >= maxBacklog {
                return RetryLaterMiddleware<BasicRequestContext>.answer(.serviceUnavailable, retryAfter: 30,
                    "De verwerking loopt \(backlog) detecties achter (grens \(maxBacklog)), probeer het later opnieuw / "
                    + "the treatment is \(backlog) detections behind (limit \(maxBacklog)), retry later")
            }
        }
        let spool = runtime.configuration.dataDirectory.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let file = spool.appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: file.path) else {
            throw HTTPError(.internalServerError, message: "cannot spool the upload")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let spooled: (size: Int, digest: SHA256)
        do {
            spooled = try await runtime.configuration.slowBody.read(request.body, into: (size: 0, digest: SHA256())) { s, buffer in
                buffer.withUnsafeReadableBytes { s.digest.update(bufferPointer: $0) }
                s.size += buffer.readableBytes
                if s.size > limit {
                    throw HTTPError(.contentTooLarge, message: "Upload groter dan \(limit) bytes / upload larger than \(limit) bytes")
                }
                do { try handle.write(contentsOf: Data(buffer.readableBytesView)) } catch {
                    throw HTTPError(.serviceUnavailable, message: "Upload kan niet bewaard worden / cannot store the upload: \(error.localizedDescription)")
                }
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        let (size, digest) = spooled
        guard size > 0 else { throw HTTPError(.badRequest, message: "Lege upload / empty upload") }
        let pseudonymiser = try runtime.pseudonymiser()
        let logger = runtime.logger
        let source = "upload:" + (key ?? file.lastPathComponent)
        let contentDigest = digest.finalize().map { String(format: "%02x", $0) }.joined()
        // Keys are scoped to the token that sent them: two clients cannot collide.
        let scopedKey = key.map { "upload:\(tokenScope(request)):\($0)" }
        let outcome: (IngestSummary, [RejectedLine])
        do {
            outcome = try await runtime.ingestPool.withConnection { db in
                var rejected: [RejectedLine] = []
                let summary = try Ingestor(pseudonymiser: pseudonymiser, logger: logger)
                    .ingest(path: file.path, source: source, idempotencyKey: scopedKey, contentDigest: contentDigest,
                            on: db) { _, line in
                        if rejected.count < 100 { rejected.append(line) }
                    }
                return (summary, rejected)
            }
        } catch let error as IngestError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let error as IdempotencyConflict {
            throw HTTPError(.unprocessableContent, message: error.description)
        }
        runtime.metrics.record(outcome.0)
        return try json(outcome.0, rejected: outcome.1, replayed: outcome.0.replayed == true)
    }

    /// `GET /api/quarantine` (operators): source, line number and reason of quarantined lines,
    /// newest first, never the raw text (it holds plate hashes). `?batch=N`, `?limit=N` (max 1000).
    private func quarantine(_ request: Request) async throws -> Response {
        try Identity.require(.operator)
        let batch = request.uri.queryParameters.get("batch").flatMap(Int.init)
        let limit = min(1000, max(1, request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100))
        let rows = try await runtime.pool.withConnection { db in
            try db.query("""
                SELECT q.id, q.batch_id, b.source, q.line_number, q.reason, b.received_at
                FROM quarantine q JOIN ingest_batches b ON b.id = q.batch_id
                WHERE $1::bigint IS NULL OR q.batch_id = $1::bigint ORDER BY q.id DESC LIMIT $2
                """, [batch.map(String.init), String(limit)])
        }
        let encoder = JSONEncoder()
        func string(_ s: String?) throws -> String { String(decoding: try encoder.encode(s ?? ""), as: UTF8.self) }
        let items = try rows.map { r in
            "{\"id\":\(r[0] ?? "0"),\"batch\":\(r[1] ?? "0"),\"source\":\(try string(r[2])),\"line\":\(r[3] ?? "0"),"
                + "\"reason\":\(try string(r[4])),\"received_at\":\(try string(r[5]))}"
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: "{\"items\":[" + items.joined(separator: ",") + "]}\n")))
    }

    /// A short, stable digest of the bearer token (never the token itself).
    private func tokenScope(_ request: Request) -> String { Identity.current.digest ?? "" }

    /// The summary and the first rejected lines (line number and reason, never the raw text).
    private func json(_ summary: IngestSummary, rejected: [RejectedLine], replayed: Bool) throws -> Response {
        var body = "{\"lines\":\(summary.lines),\"accepted\":\(summary.accepted),\"duplicates\":\(summary.duplicates),"
        body += "\"quarantined\":\(summary.quarantined),\"batch\":\(summary.batch.map(String.init) ?? "null"),"
        body += "\"replayed\":\(replayed),\"rejected\":["
        let encoder = JSONEncoder()
        body += try rejected.map { r in
            "{\"line\":\(r.lineNumber),\"reason\":" + String(decoding: try encoder.encode(r.reason), as: UTF8.self) + "}"
        }.joined(separator: ",")
        body += "]}\n"
        var headers: HTTPFields = [.contentType: "application/json"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension IngestAPI {
    /// Detections stored and not yet treated (`Treatment.backlogSQL`).
    static func backlog(on db: Connection) throws -> Int {
        try db.query("SELECT \(Treatment.backlogSQL)").first?.first.flatMap { $0.flatMap(Int.init) } ?? 0
    }
}

/// A count of uploads in progress with a ceiling.
final class UploadSlots: Sendable {
    private let count = Atomic<Int>(0)

    /// Takes a slot; false (and nothing taken) when `limit` are in use.
    func enter(limit: Int) -> Bool {
        guard count.add(1, ordering: .relaxed).newValue <= limit else {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.subtract(1, ordering: .relaxed) }
}
