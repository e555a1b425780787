import Foundation
import KruispuntStore
import Testing

/// A session is found by its cookie secret (stored only as its SHA-256) until it is ended, it
/// expires, or the API token it was opened with is revoked.
extension EmbeddedStoreTests {
    @Test func sessionsLiveUntilEndedExpiredOrTheirTokenRevoked() throws {
        try withCluster { db, _ in
            let now = Int64(Date.now.timeIntervalSince1970 * 1000)
            let (token, stored) = try APITokens.create(role: .operator, tenant: nil, expiresMillis: nil, label: nil, on: db)
            let (secret, session) = try Sessions.open(role: .operator, tenant: nil, digest: stored.digest, tokenSHA256: APITokens.sha256(token),
                                                      expiresMillis: now + 60_000, on: db)
            #expect(secret.count == 43 && session.csrf.count == 43 && secret != session.csrf)
            #expect(try Sessions.find(secret: secret, on: db) == session)
            #expect(try Sessions.find(secret: secret + "x", on: db) == nil)
            #expect(try db.query("SELECT count(*) FROM sessions WHERE encode(sha256, 'escape') LIKE '%' || $1 || '%'", [secret]).first?[0] == "0")

            // A JWT's session (no token row) and an expired one.
            let (jwtSecret, _) = try Sessions.open(role: .admin, tenant: nil, digest: "oidc:jan", tokenSHA256: nil, expiresMillis: now + 60_000, on: db)
            let (oldSecret, _) = try Sessions.open(role: .admin, tenant: nil, digest: "oidc:piet", tokenSHA256: nil, expiresMillis: now - 1_000, on: db)
            #expect(try Sessions.find(secret: jwtSecret, on: db)?.digest == "oidc:jan")
            #expect(try Sessions.find(secret: oldSecret, on: db) == nil)

            #expect(try APITokens.revoke(id: stored.id, on: db))
            #expect(try Sessions.find(secret: secret, on: db) == nil)
            #expect(try Sessions.end(secret: jwtSecret, on: db))
            #expect(try !Sessions.end(secret: jwtSecret, on: db))
            #expect(try Sessions.find(secret: jwtSecret, on: db) == nil)
        }
    }
}
