import Crypto
import Foundation

/// Browser sessions of the dashboard and the operator pages: opened by signing in with a token,
/// carried by an HttpOnly cookie whose secret is stored only as its SHA-256, each with its own
/// CSRF token. A session ends when it is signed out, when it expires, or as soon as the API
/// token it was opened with is revoked or expires.
public enum Sessions {
    public struct Session: Sendable, Equatable {
        public var role: Role
        public var tenant: String?
        /// How the access log names the holder (the token's digest, `oidc:` and the subject).
        public var digest: String
        /// The token every form of the session must carry.
        public var csrf: String
        public var expiresMillis: Int64
    }

    /// Migration 29.
    static let schema = """
        -- Browser sessions: the cookie's secret only as its SHA-256; token_sha256 is the API token
        -- it was opened with (its revocation ends the session).
        CREATE TABLE sessions (
            sha256 bytea PRIMARY KEY,
            role text NOT NULL CHECK (role IN ('analyst', 'operator', 'admin', 'ingest')),
            tenant text REFERENCES tenants (id),
            digest text NOT NULL,
            token_sha256 bytea,
            csrf text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            ended_at timestamptz
        );
        CREATE INDEX sessions_expires ON sessions (expires_at);
        """

    /// Opens a session until `expiresMillis`; returns the cookie's secret (never stored) and the session.
    public static func open(role: Role, tenant: String?, digest: String, tokenSHA256: [UInt8]?, expiresMillis: Int64,
                            on db: Connection) throws -> (secret: String, session: Session) {
        let secret = APITokens.randomSecret(), csrf = APITokens.randomSecret()
        try db.query("""
            INSERT INTO sessions (sha256, role, tenant, digest, token_sha256, csrf, expires_at)
            VALUES (decode($1, 'hex'), $2, $3, $4, decode($5, 'hex'), $6, to_timestamp($7::double precision / 1000))
            """, [AccessLog.hex(APITokens.sha256(secret)), role.rawValue, tenant, digest, tokenSHA256.map(AccessLog.hex), csrf,
                  String(expiresMillis)])
        // Sessions ended or expired a day ago are of no use to anyone.
        try db.execute("DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < now() - interval '1 day'")
        return (secret, Session(role: role, tenant: tenant, digest: digest, csrf: csrf, expiresMillis: expiresMillis))
    }

    /// The live session of a cookie secret: not ended, not expired, and its token neither revoked
    /// nor expired.
    public static func find(secret: String, on db: Connection) throws -> Session? {
        try db.query("""
            SELECT s.role, s.tenant, s.digest, s.csrf, (extract(epoch FROM s.expires_at) * 1000)::bigint
            FROM sessions s LEFT JOIN api_tokens t ON t.sha256 = s.token_sha256
            WHERE s.sha256 = decode($1, 'hex') AND s.ended_at IS NULL AND s.expires_at > now()
              AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            """, [AccessLog.hex(APITokens.sha256(secret))]).first.flatMap { r in
            guard let role = r[0].flatMap(Role.init(rawValue:)) else { return nil }
            return Session(role: role, tenant: r[1], digest: r[2] ?? "", csrf: r[3] ?? "", expiresMillis: r[4].flatMap(Int64.init) ?? 0)
        }
    }

    /// Ends a session (signing out); false when it was not live.
    @discardableResult
    public static func end(secret: String, on db: Connection) throws -> Bool {
        try db.update("UPDATE sessions SET ended_at = now() WHERE sha256 = decode($1, 'hex') AND ended_at IS NULL",
                      [AccessLog.hex(APITokens.sha256(secret))]) == 1
    }
}
