import Crypto
import Foundation

/// What a token lets its holder do. Anonymous callers have no role.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// A city's analyst: its own cameras and zones, and restricted data its tenant was granted.
    case analyst
    /// Digitaal Vlaanderen's operators: status, quality, statistics and incidents for all.
    case `operator`
    /// The access log, tokens, tenants and purposes, and everything an operator may.
    case admin
    /// The ingest API only.
    case ingest
}

/// API tokens: shown once when created, stored only as their SHA-256, revocable, optionally
/// expiring; an analyst's token belongs to a tenant (a city).
///
/// ```swift
/// let (secret, token) = try APITokens.create(role: .analyst, tenant: "mechelen", expiresMillis: nil, label: "Jan", on: db)
/// let found = try APITokens.find(secret: secret, on: db)   // found?.state(atMillis: now) == .valid
/// ```
public enum APITokens {
    /// A token as stored (never its secret).
    public struct Token: Sendable, Equatable {
        public var id: Int64
        public var role: Role
        public var tenant: String?
        public var label: String?
        /// The first 12 hex digits of the secret's SHA-256: what the access log names it by.
        public var digest: String
        public var createdMillis: Int64
        public var expiresMillis: Int64?
        public var revokedMillis: Int64?

        public enum State: String, Sendable { case valid, expired, revoked }

        public func state(atMillis now: Int64) -> State {
            if revokedMillis != nil { return .revoked }
            if let expiresMillis, expiresMillis <= now { return .expired }
            return .valid
        }
    }

    /// Tenants and tokens (migration 24).
    static let schema = """
        -- A tenant: a city (or another body) whose analysts see its own cameras and what its
        -- purposes allow.
        CREATE TABLE tenants (
            id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        -- API tokens by the SHA-256 of their secret; the secret itself is never stored.
        CREATE TABLE api_tokens (
            id bigserial PRIMARY KEY,
            sha256 bytea NOT NULL UNIQUE,
            role text NOT NULL CHECK (role IN ('analyst', 'operator', 'admin', 'ingest')),
            tenant text REFERENCES tenants (id),
            label text,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz,
            revoked_at timestamptz,
            CHECK ((role = 'analyst') = (tenant IS NOT NULL))
        );
        """

    /// 32 random bytes in base64url (43 characters): token, session and CSRF secrets.
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of a secret.
    public static func sha256(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }

    /// A new token: its secret (shown once, `kp_` and 43 base64url characters of 32 random
    /// bytes) and what is stored. An analyst needs an existing tenant; other roles take none.
    public static func create(role: Role, tenant: String?, expiresMillis: Int64?, label: String?,
                              on db: Connection) throws -> (secret: String, token: Token) {
        guard (role == .analyst) == (tenant != nil) else {
            throw StoreError(role == .analyst ? "an analyst's token needs a tenant (--tenant)" : "only an analyst's token belongs to a tenant")
        }
        if let tenant, try Tenants.find(tenant, on: db) == nil {
            throw StoreError("no tenant '\(tenant)' (kruispunt tenant create \(tenant) --name …)")
        }
        let secret = "kp_" + randomSecret()
        let rows = try db.query("""
            INSERT INTO api_tokens (sha256, role, tenant, label, expires_at)
            VALUES (decode($1, 'hex'), $2, $3, $4, to_timestamp($5::double precision / 1000))
            RETURNING \(columns)
            """, [AccessLog.hex(sha256(secret)), role.rawValue, tenant, label, expiresMillis.map(String.init)])
        guard let token = rows.first.flatMap(Self.token) else { throw StoreError("the token was not stored") }
        return (secret, token)
    }

    /// The token whose secret this is, whatever its state.
    public static func find(secret: String, on db: Connection) throws -> Token? { try find(sha256: sha256(secret), on: db) }

    /// The token whose secret has this SHA-256, whatever its state.
    public static func find(sha256 hash: [UInt8], on db: Connection) throws -> Token? {
        try db.query("SELECT \(columns) FROM api_tokens WHERE sha256 = decode($1, 'hex')", [AccessLog.hex(hash)]).first.flatMap(Self.token)
    }

    /// Every token, newest first.
    public static func list(on db: Connection) throws -> [Token] {
        try db.query("SELECT \(columns) FROM api_tokens ORDER BY id DESC").compactMap(Self.token)
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    @discardableResult
    public static func revoke(id: Int64, on db: Connection) throws -> Bool {
        try db.update("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [String(id)]) == 1
    }

    private static let columns = """
        id, role, tenant, label, substr(encode(sha256, 'hex'), 1, 12), (extract(epoch FROM created_at) * 1000)::bigint,
        (extract(epoch FROM expires_at) * 1000)::bigint, (extract(epoch FROM revoked_at) * 1000)::bigint
        """

    private static func token(_ r: [String?]) -> Token? {
        guard let id = r[0].flatMap(Int64.init), let role = r[1].flatMap(Role.init(rawValue:)) else { return nil }
        return Token(id: id, role: role, tenant: r[2], label: r[3], digest: r[4] ?? "", createdMillis: r[5].flatMap(Int64.init) ?? 0,
                     expiresMillis: r[6].flatMap(Int64.init), revokedMillis: r[7].flatMap(Int64.init))
    }
}
