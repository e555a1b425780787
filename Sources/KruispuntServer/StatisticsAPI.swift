import Foundation
import Hummingbird
import KruispuntANPR
import KruispuntDashboard
import KruispuntStore

/// `GET /api/stats` (operators): what the platform received, treated, published and stores
/// (`OperatorStatistics`), for local days `van`/`from` to `tot`/`to` (both included; default the
/// last 31 days), optionally of one `camera`. JSON with snake_case keys.
struct StatisticsAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/stats") { request, _ in try await statistics(request) }
    }

    private func statistics(_ request: Request) async throws -> Response {
        try BearerToken.authorise(request, tokens: runtime.configuration.adminTokens)
        let p = request.uri.queryParameters
        func day(_ names: [String]) throws -> LocalDay? {
            guard let text = names.lazy.compactMap({ p.get($0) }).first, !text.isEmpty else { return nil }
            guard let day = LocalDay.parse(text) else {
                throw HTTPError(.badRequest, message: "'\(names[0])' moet een datum (JJJJ-MM-DD) zijn / must be a date (YYYY-MM-DD): \(text)")
            }
            return day
        }
        let today = LocalDay(number: BrusselsTime.localDay(Int64(Date().timeIntervalSince1970 * 1000)))
        let to = try day(["to", "tot"]) ?? today
        let from = try day(["from", "van"]) ?? to.adding(-30)
        guard from <= to, to.number - from.number <= 366 else {
            throw HTTPError(.badRequest, message: "'van' moet vóór 'tot' liggen, hoogstens 367 dagen / 'from' must precede 'to', at most 367 days")
        }
        let camera = p.get("camera")
        if let camera, camera.isEmpty || camera.count > 13 || !camera.allSatisfy(\.isASCIIDigit) {
            throw HTTPError(.badRequest, message: "'camera' moet 1 tot 13 cijfers zijn / must be 1 to 13 digits")
        }
        let k = runtime.configuration.minimumCount
        let stats = try await runtime.pool.withConnection { db in
            try OperatorStatistics.read(from: from.iso, to: to.iso, camera: camera, minimumCount: k, on: db)
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        var body = try encoder.encode(stats)
        body.append(0x0A)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
