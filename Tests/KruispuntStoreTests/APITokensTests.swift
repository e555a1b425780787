import Foundation
import KruispuntStore
import Testing

/// Tokens are found by their secret, stored only as its SHA-256, expire and can be revoked once;
/// an analyst's token needs an existing tenant and other roles take none.
extension EmbeddedStoreTests {
    @Test func tokensAreFoundByTheirSecretAndRevokedOnce() throws {
        try withCluster { db, _ in
            _ = try Tenants.create(id: "mechelen", name: "Stad Mechelen", on: db)
            #expect(throws: StoreError.self) { try Tenants.create(id: "mechelen", name: "again", on: db) }
            #expect(throws: StoreError.self) { try Tenants.create(id: "Gent", name: "Gent", on: db) }
            #expect(throws: StoreError.self) { try APITokens.create(role: .analyst, tenant: nil, expiresMillis: nil, label: nil, on: db) }
            #expect(throws: StoreError.self) { try APITokens.create(role: .analyst, tenant: "gent", expiresMillis: nil, label: nil, on: db) }
            #expect(throws: StoreError.self) { try APITokens.create(role: .admin, tenant: "mechelen", expiresMillis: nil, label: nil, on: db) }

            let now = Int64(Date.now.timeIntervalSince1970 * 1000)
            let (secret, token) = try APITokens.create(role: .analyst, tenant: "mechelen", expiresMillis: now + 60_000, label: "Jan", on: db)
            #expect(secret.hasPrefix("kp_") && secret.count == 46)
            let found = try #require(try APITokens.find(secret: secret, on: db))
            #expect(found == token && found.tenant == "mechelen" && found.label == "Jan")
            #expect(found.digest == AccessLog.hex(Array(APITokens.sha256(secret).prefix(6))))
            #expect(found.state(atMillis: now) == .valid && found.state(atMillis: now + 60_000) == .expired)
            #expect(try APITokens.find(secret: secret + "x", on: db) == nil)
            let stored = try db.query("SELECT count(*) FROM api_tokens WHERE position($1 in encode(sha256, 'escape')) > 0 OR label = $1", [secret])
            #expect(stored.first?[0] == "0")

            #expect(try APITokens.revoke(id: token.id, on: db))
            #expect(try !APITokens.revoke(id: token.id, on: db))
            #expect(try APITokens.find(secret: secret, on: db)?.state(atMillis: now) == .revoked)
            let (other, _) = try APITokens.create(role: .ingest, tenant: nil, expiresMillis: nil, label: nil, on: db)
            #expect(other != secret)
            #expect(try APITokens.list(on: db).map(\.role) == [.ingest, .analyst])
        }
    }
}
