import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KruispuntServer
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore
import Logging
import Testing

/// The stream routes on a real store: a closed hour is immutable, served again from the page
/// cache byte for byte, answers 304 to its ETag, and answers 410 once retention removed it.
struct StreamPagesTests {
    @Test func closedPagesAreCachedUntilRetentionRemovesThem() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-routes-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let configuration = try Configuration(dataDirectory: dir.path, databaseURL: nil, baseURL: "http://kp.example",
                                              minimumCount: nil, logLevel: "warning")
        let runtime = try Runtime(configuration: configuration, logger: Logger(label: "test"))
        defer { runtime.shutdown() }
        let iris = try runtime.iriScheme(fallback: "http://kp.example")
        let t1: Int64 = 1_795_774_500_000, t2: Int64 = 1_795_777_500_000   // 2026-11-27T10:15Z, 11:05Z
        try runtime.pool.withConnectionBlocking { db in
            for (range, at) in [(0..<150, t1), (150..<180, t2)] {
                let member = { (m: Int) in Term.iri(iris.base + "/id/observation/x/\(m)/v1") }
                let quads = range.flatMap { m in [
                    Quad(member(m), .iri(DCT.isVersionOf), .iri(iris.base + "/id/observation/x/\(m)"), member(m)),
                    Quad(member(m), .iri(SOSA.hasSimpleResult), .integer(m), member(m)),
                ] }
                try db.transaction {
                    _ = try QuadStore.insert(quads, on: db)
                    try StreamMemberIndex.append(range.map { (stream: "vehicle-counts", member: member($0),
                                                              base: .iri(iris.base + "/id/observation/x/\($0)")) },
                                                 generatedAt: at, on: db)
                }
            }
        }
        let router = Router()
        router.add(middleware: RetryLaterMiddleware())
        let routes = try Routes(runtime: runtime, iris: iris, horizonTTL: .zero)
        routes.register(on: router)
        let closed = "/streams/vehicle-counts/by-time/2026-11-27T10", open = "/streams/vehicle-counts/by-time/2026-11-27T11"
        try await Application(router: router).test(.router) { client in
            let nquads: HTTPFields = [.accept: "application/n-quads"]
            let first = try await client.execute(uri: closed, method: .get, headers: nquads)
            #expect(first.status == .ok)
            #expect(first.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let etag = try #require(first.headers[.eTag])
            #expect(String(buffer: first.body).contains("<https://w3id.org/ldes#immutable> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>"))
            // Served again from memory, the same bytes; the cache holds it.
            let again = try await client.execute(uri: closed, method: .get, headers: nquads)
            #expect(again.status == .ok && again.body == first.body && again.headers[.eTag] == etag)
            #expect(routes.pages.get(closed + "\u{1}application/n-quads\u{1}") != nil)
            var conditional = nquads
            conditional[.ifNoneMatch] = etag
            #expect(try await client.execute(uri: closed, method: .get, headers: conditional).status == .notModified)
            // The open hour is neither immutable nor cached.
            let current = try await client.execute(uri: open, method: .get, headers: nquads)
            #expect(current.status == .ok && current.headers[.cacheControl] == "public, max-age=10")
            #expect(routes.pages.get(open + "\u{1}application/n-quads\u{1}") == nil)
            // Retention removes hour 10: the cached page is gone too.
            let purged = try runtime.pool.withConnectionBlocking { db in
                try MemberRetention.purge(publishedBeforeMillis: t2, dryRun: false, on: db)
            }
            #expect(purged.members == ["vehicle-counts": 150])
            #expect(try await client.execute(uri: closed, method: .get, headers: nquads).status == .gone)
            #expect(try await client.execute(uri: open, method: .get, headers: nquads).status == .ok)
        }
    }
}
