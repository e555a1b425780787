import Foundation
import Hummingbird
import KruispuntDashboard
import KruispuntRDF
import KruispuntStore

/// `/status` (HTML for browsers, JSON otherwise): every component's state for anyone, with
/// details, last successes and open incidents for operators (admin token). The incident API
/// (`/api/incidents`, acknowledge, notes; JSON or CSV) and a printable report
/// (`/incidents/report`, one incident per page) are for operators only.
struct StatusAPI: Sendable {
    let runtime: Runtime

    /// The version `/status` reports.
    static let version = "0.9.0"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/status") { request, _ in try await status(request) }
        router.get("/api/incidents") { request, _ in try await incidents(request) }
        router.get("/api/incidents/:id") { request, context in
            try Identity.require(.operator)
            let id = try incidentID(context)
            guard let incident = try await runtime.pool.withConnection({ db in try Incidents.get(id, on: db) }) else { throw notFound }
            return try json(incident)
        }
        router.post("/api/incidents/:id/acknowledge") { request, context in try await annotate(request, context, acknowledge: true) }
        router.post("/api/incidents/:id/notes") { request, context in try await annotate(request, context, acknowledge: false) }
        router.get("/incidents/report") { request, _ in try await report(request) }
    }

    // MARK: - Status

    private func status(_ request: Request) async throws -> Response {
        let detailed = Identity.current.standing != .anonymous
        if detailed { try Identity.require(.operator) }
        let monitor = runtime.status
        let components = monitor.snapshot
        var open: [Incidents.Incident] = []
        if detailed, monitor.component("database")?.state != .down {
            open = (try? await runtime.pool.withConnection { db in try Incidents.list(openOnly: true, limit: 100, on: db) }) ?? []
        }
        let pending = detailed ? monitor.outage.withLock { $0 } : nil
        let wantsHTML = request.uri.queryParameters.get("format").map { $0 == "html" }
            ?? ((request.headers[.accept] ?? "").contains("text/html"))
        if wantsHTML {
            return html(StatusPage.render(overall: monitor.overall, components: components, detailed: detailed, open: open, pending: pending))
        }
        var object: [String: Any] = [
            "status": monitor.overall.rawValue,
            "components": components.map { c -> [String: Any] in
                var o: [String: Any] = ["name": c.name, "label": c.label, "state": c.state.rawValue]
                if detailed {
                    o["detail"] = c.detail
                    o["last_success"] = c.lastSuccess ?? NSNull()
                    o["checked_at"] = c.checkedAt
                }
                return o
            },
        ]
        if detailed {
            object["version"] = Self.version
            object["incidents_open"] = try open.map { try JSONSerialization.jsonObject(with: encoder.encode($0)) }
            object["database_outage"] = pending.map { ["since": StatusMonitor.stamp($0.sinceMillis), "detail": $0.detail] } ?? NSNull()
        }
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", .vary: "Accept, Authorization"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body + [0x0A])))
    }

    // MARK: - Incidents

    private func incidents(_ request: Request) async throws -> Response {
        try Identity.require(.operator)
        let p = request.uri.queryParameters
        let state = p.get("state") ?? "all"
        guard ["open", "all"].contains(state) else {
            throw HTTPError(.badRequest, message: "'state' moet open of all zijn / must be open or all")
        }
        let limit = Int(p.get("limit") ?? "500") ?? -1
        guard (1...10_000).contains(limit) else { throw HTTPError(.badRequest, message: "'limit' moet 1 tot 10000 zijn / must be 1 to 10000") }
        let (from, to) = (try RequestParameters.instant(request, ["from", "van"]), try RequestParameters.instant(request, ["to", "tot"]))
        let list = try await runtime.pool.withConnection { db in
            try Incidents.list(openOnly: state == "open", fromMillis: from, toMillis: to, limit: limit, on: db)
        }
        if p.get("format") == "csv" || (request.headers[.accept] ?? "").contains("text/csv") {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"incidenten.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: Incidents.csv(list))))
        }
        let items = try list.map { try JSONSerialization.jsonObject(with: encoder.encode($0)) }
        let body = try JSONSerialization.data(withJSONObject: ["items": items], options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body + [0x0A])))
    }

    private func annotate(_ request: Request, _ context: BasicRequestContext, acknowledge: Bool) async throws -> Response {
        try Identity.require(.operator)
        let id = try incidentID(context)
        var request = request
        let bytes = try await request.collectBody(upTo: 64 * 1024)
        let text = String(buffer: bytes)
        var note = text
        if (request.headers[.contentType] ?? "").contains("json") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw HTTPError(.badRequest, message: "JSON-object verwacht, zoals {\"note\": \"…\"} / a JSON object expected")
            }
            note = object["note"] as? String ?? ""
        }
        note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 2000 else { throw HTTPError(.badRequest, message: "Notitie te lang (max. 2000 tekens) / note too long") }
        guard acknowledge || !note.isEmpty else { throw HTTPError(.badRequest, message: "Lege notitie / empty note") }
        let actor = Identity.current.logName
        let chosen = note
        let incident = try await runtime.pool.withConnection { db in
            acknowledge ? try Incidents.acknowledge(id, by: actor, note: chosen, on: db) : try Incidents.annotate(id, by: actor, note: chosen, on: db)
        }
        guard let incident else { throw notFound }
        return try json(incident)
    }

    private func report(_ request: Request) async throws -> Response {
        try Identity.require(.operator)
        let p = request.uri.queryParameters
        var ids: [Int64]?
        if let text = p.get("ids"), !text.isEmpty {
            let parsed = text.split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.allSatisfy({ $0 != nil }), parsed.count <= 500 else {
                throw HTTPError(.badRequest, message: "'ids' moet een lijst van nummers zijn / must be a list of numbers")
            }
            ids = parsed.compactMap { $0 }
        }
        let (from, to) = (try RequestParameters.instant(request, ["from", "van"]), try RequestParameters.instant(request, ["to", "tot"]))
        let chosen = ids
        let list = try await runtime.pool.withConnection { db in
            try Incidents.list(ids: chosen, fromMillis: from, toMillis: to, limit: 500, on: db)
        }
        return html(StatusPage.report(list))
    }

    // MARK: - Helpers

    private var encoder: JSONEncoder { OperatorResponse.encoder }

    private func json(_ incident: Incidents.Incident) throws -> Response { try OperatorResponse.json(incident) }

    private func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .vary: "Accept, Authorization"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    private func incidentID(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0 else { throw notFound }
        return id
    }

    private var notFound: HTTPError { HTTPError(.notFound, message: "Onbekend incident / unknown incident") }
}
