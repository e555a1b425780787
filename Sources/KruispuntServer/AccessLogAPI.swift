import Foundation
import HTTPTypes
import Hummingbird
import KruispuntRDF
import KruispuntStore

/// `GET /api/access-log` (operators): the access log, newest first, filtered on time (`van`/`from`
/// and `tot`/`to`: a date-time or a UTC day, `to` exclusive), `identity`, `path` (a prefix) and
/// `status`; `limit` (default 1000, at most 100,000); JSON, or CSV (`format=csv` or
/// `Accept: text/csv`); `GET /access-log`, the same filters as a page with a form (default limit
/// 200). The log is never published otherwise.
struct AccessLogAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/access-log") { request, _ in try await list(request) }
        router.get("/access-log") { request, _ in try await page(request) }
    }

    /// The filter and limit a request asks for (`defaultLimit` when it names none).
    private func requestedFilter(_ request: Request, defaultLimit: Int) throws -> (AccessLog.Filter, Int) {
        let p = request.uri.queryParameters
        var filter = AccessLog.Filter(fromMillis: try RequestParameters.instant(request, ["from", "van"]),
                                      toMillis: try RequestParameters.instant(request, ["to", "tot"]),
                                      identity: RequestParameters.text(request, "identity").flatMap { $0.isEmpty ? nil : $0 },
                                      pathPrefix: RequestParameters.text(request, "path").flatMap { $0.isEmpty ? nil : $0 })
        if let status = p.get("status"), !status.isEmpty {
            guard let code = Int(status), (100...599).contains(code) else {
                throw HTTPError(.badRequest, message: "'status' moet een HTTP-statuscode zijn / must be an HTTP status code")
            }
            filter.status = code
        }
        let limitText = p.get("limit") ?? String(defaultLimit)
        guard let limit = Int(limitText), (1...100_000).contains(limit) else {
            throw HTTPError(.badRequest, message: "'limit' moet 1 tot 100000 zijn / must be 1 to 100000")
        }
        return (filter, limit)
    }

    private func page(_ request: Request) async throws -> Response {
        try Identity.require(.admin)
        let (filter, limit) = try requestedFilter(request, defaultLimit: 200)
        let rows = try await runtime.pool.withConnection { db in try AccessLog.list(filter, limit: limit, on: db) }
        var query: [String: String] = [:]
        for name in ["van", "from", "tot", "to", "identity", "path", "status"] {
            if let v = request.uri.queryParameters.get(name), !v.isEmpty { query[name] = v }
        }
        return OperatorResponse.html(AccessLogPage.render(rows, query: query, limit: limit))
    }

    private func list(_ request: Request) async throws -> Response {
        try Identity.require(.admin)
        let p = request.uri.queryParameters
        let (filter, limit) = try requestedFilter(request, defaultLimit: 1000)
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
