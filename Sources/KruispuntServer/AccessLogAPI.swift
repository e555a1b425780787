import Foundation
import HTTPTypes
import Hummingbird
import KruispuntRDF
import KruispuntStore

/// `GET /api/access-log` (operators): the access log, newest first, filtered on time (`van`/`from`
/// and `tot`/`to`: a date-time or a UTC day, `to` exclusive), `identity`, `path` (a prefix) and
/// `status`; `limit` (default 1000, at most 100,000); JSON, or CSV (`format=csv` or
/// `Accept: text/csv`). The log is never published otherwise.
struct AccessLogAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/access-log") { request, _ in try await list(request) }
    }

    private func list(_ request: Request) async throws -> Response {
        try BearerToken.authorise(request, tokens: runtime.configuration.adminTokens)
        let p = request.uri.queryParameters
        func instant(_ names: [String]) throws -> Int64? {
            guard let text = names.lazy.compactMap({ p.get($0) }).first, !text.isEmpty else { return nil }
            if let t = XSDDateTime(text) { return t.epochMillis }
            if let day = XSDDateTime(text + "T00:00:00Z") { return day.epochMillis }
            throw HTTPError(.badRequest, message: "'\(names[0])' moet een datum of tijdstip zijn / must be a date or a date-time: \(text)")
        }
        var filter = AccessLog.Filter(fromMillis: try instant(["from", "van"]), toMillis: try instant(["to", "tot"]),
                                      identity: p.get("identity"), pathPrefix: p.get("path"))
        if let status = p.get("status") {
            guard let code = Int(status), (100...599).contains(code) else {
                throw HTTPError(.badRequest, message: "'status' moet een HTTP-statuscode zijn / must be an HTTP status code")
            }
            filter.status = code
        }
        let limitText = p.get("limit") ?? "1000"
        guard let limit = Int(limitText), (1...100_000).contains(limit) else {
            throw HTTPError(.badRequest, message: "'limit' moet 1 tot 100000 zijn / must be 1 to 100000")
        }
        let chosen = filter
        let rows = try await runtime.pool.withConnection { db in try AccessLog.list(chosen, limit: limit, on: db) }
        let csv = p.get("format") == "csv" || (p.get("format") == nil && (request.headers[.accept] ?? "").contains("text/csv"))
        if csv {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                                   .contentDisposition: "attachment; filename=\"access-log.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: AccessLog.csv(rows))))
        }
        let items: [[String: Any]] = rows.map { seq, e in
            var item: [String: Any] = ["seq": seq, "at": AccessLog.iso(e.atMillis), "kind": e.kind, "identity": e.identity,
                                       "method": e.method, "path": e.path]
            item["tenant"] = e.tenant
            item["client"] = e.client
            item["query"] = e.query
            item["status"] = e.status
            item["rows"] = e.items
            item["bytes"] = e.bytes
            item["duration_ms"] = e.durationMicros.map { Double($0) / 1000 }
            return item
        }
        let data = try JSONSerialization.data(withJSONObject: ["items": items], options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
