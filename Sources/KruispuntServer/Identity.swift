import Foundation
import HTTPTypes
import Hummingbird
import KruispuntStore
import Synchronization

/// Who is asking: anonymous, the holder of a valid token (its role, tenant and digest), or
/// someone whose token does not count (unknown, expired, revoked, or not checkable while the
/// database is away). `IdentityMiddleware` sets it for the request; handlers `require` a role.
struct Identity: Sendable, Equatable {
    enum Standing: Sendable, Equatable {
        case anonymous
        case valid(Role)
        case refused(Refusal)
        case uncheckable          // the database could not be asked
    }

    /// Why a presented token does not count.
    enum Refusal: String, Sendable {
        case unknown, expired, revoked
        /// OpenID Connect JWTs: a bad signature, algorithm, key or shape; another issuer or
        /// audience; not valid yet; no single Kruispunt role; an analyst without a known tenant.
        case invalidJWT = "invalid-jwt"
        case wrongIssuer = "wrong-issuer"
        case wrongAudience = "wrong-audience"
        case notYetValid = "not-yet-valid"
        case noRole = "no-role"
        case unknownTenant = "unknown-tenant"

        var message: String {
            switch self {
            case .unknown: "Ongeldig token / invalid token"
            case .expired: "Token verlopen / token expired"
            case .revoked: "Token ingetrokken / token revoked"
            case .invalidJWT: "Ongeldige JWT (handtekening, algoritme of sleutel) / invalid JWT (signature, algorithm or key)"
            case .wrongIssuer: "JWT van een andere uitgever / JWT from another issuer"
            case .wrongAudience: "JWT voor een ander publiek / JWT for another audience"
            case .notYetValid: "JWT nog niet geldig / JWT not valid yet"
            case .noRole: "JWT zonder precies één Kruispunt-rol / JWT without exactly one Kruispunt role"
            case .unknownTenant: "JWT van een analist zonder gekende tenant / JWT of an analyst without a known tenant"
            }
        }
    }

    var standing: Standing
    var tenant: String?
    /// The first 12 hex digits of the token's SHA-256 (never the token).
    var digest: String?
    /// A browser session's CSRF token (nil for a bearer token: browsers never send one unasked).
    var csrf: String? = nil
    /// When the credential stops counting (a token's or JWT's expiry), when known.
    var expiresMillis: Int64? = nil

    static let anonymous = Identity(standing: .anonymous)

    /// The tenant whose analyst this is (nil for every other identity).
    var analystTenant: String? { standing == .valid(.analyst) ? tenant : nil }

    /// The identity of the request being handled.
    @TaskLocal static var current: Identity = .anonymous

    /// As the access log names it: `anonymous`, `operator:3fa2c1d0e9b8`, `revoked-token:…`.
    var logName: String {
        switch standing {
        case .anonymous: "anonymous"
        case .valid(let role): role.rawValue + ":" + (digest ?? "")
        case .refused(let why): why.rawValue + "-token:" + (digest ?? "")
        case .uncheckable: "unchecked-token:" + (digest ?? "")
        }
    }

    /// The 401 for a token that does not count (RFC 6750 `invalid_token`, with the reason).
    static func refusal(_ why: Refusal) -> HTTPError {
        HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"kruispunt\", error=\"invalid_token\""], message: why.message)
    }

    /// The current identity when it holds one of `roles` (an admin holds the operator's role
    /// too); 401 without a valid token, 403 with one of another role.
    @discardableResult
    static func require(_ roles: Role...) throws -> Identity {
        let me = current
        switch me.standing {
        case .anonymous:
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"kruispunt\""],
                            message: "Bearer-token vereist / bearer token required")
        case .refused(let why):
            throw refusal(why)
        case .uncheckable:
            throw HTTPError(.serviceUnavailable, message: "Databank onbereikbaar: token niet te controleren / the database is unreachable, the token cannot be checked")
        case .valid(let held):
            guard roles.contains(held) || (held == .admin && roles.contains(.operator)) else {
                let needed = roles.map(\.rawValue).joined(separator: " or ")
                throw HTTPError(.forbidden, message: "Geen toegang met rol \(held.rawValue) / the \(held.rawValue) role may not do this (\(needed) needed)")
            }
            return me
        }
    }
}

/// Finds the identity behind a bearer token: the tokens of the configuration (`KRUISPUNT_ADMIN_TOKENS`,
/// `KRUISPUNT_INGEST_TOKENS`), else the token store, asked at most every `ttl` per token, so
/// that a revoked token stops working within that time.
final class Authenticator: Sendable {
    private let configured: [String: Role]
    private let pool: ConnectionPool
    private let tokens: ExpiringCache<APITokens.Token?>
    private let sessions: ExpiringCache<Sessions.Session?>

    /// OpenID Connect JWTs, when configured.
    let oidc: OIDCVerifier?

    init(adminTokens: [String], ingestTokens: [String], pool: ConnectionPool, oidc: OIDCVerifier? = nil, ttl: Duration = .seconds(5)) {
        self.oidc = oidc
        var configured: [String: Role] = [:]
        for t in ingestTokens { configured[t] = .ingest }
        for t in adminTokens { configured[t] = .admin }
        self.configured = configured
        self.pool = pool
        self.tokens = ExpiringCache(ttl: ttl)
        self.sessions = ExpiringCache(ttl: ttl)
    }

    /// The identity of a request: its bearer token, else its session cookie; nil without either.
    func identify(_ request: Request) async -> Identity? {
        if let secret = BearerToken.presented(request) { return await identify(secret: secret) }
        if let cookie = SessionCookie.value(request) { return await session(cookie) }
        return nil
    }

    /// The identity of a session cookie (looked up at most every `ttl`); anonymous when the
    /// session is not live (signed out, expired, its token revoked).
    func session(_ secret: String) async -> Identity {
        let found: Sessions.Session?
        do {
            found = try await sessions.value(AccessLog.hex(APITokens.sha256(secret))) {
                try await pool.withConnection { try Sessions.find(secret: secret, on: $0) }
            }
        } catch {
            return Identity(standing: .uncheckable)
        }
        guard let found, found.expiresMillis > Int64(Date.now.timeIntervalSince1970 * 1000) else { return .anonymous }
        return Identity(standing: .valid(found.role), tenant: found.tenant, digest: found.digest, csrf: found.csrf)
    }

    /// Forgets a session at once (signed out).
    func forget(session secret: String) {
        sessions.forget(AccessLog.hex(APITokens.sha256(secret)))
    }

    /// The identity of a token (an API token, a configured one, or a JWT).
    func identify(secret: String) async -> Identity {
        // One hash per request: the store's key, and its first 6 bytes are the digest logged.
        let hash = APITokens.sha256(secret)
        let digest = AccessLog.hex(Array(hash.prefix(6)))
        if let role = configured[secret] { return Identity(standing: .valid(role), digest: digest) }
        if let oidc, OIDCVerifier.looksLikeJWT(secret) {
            // A JWT's holder is named by its subject (who it is, for the access log), a refused
            // one by its digest.
            let pool = self.pool
            do {
                switch try await oidc.check(secret, tenantExists: { id in try await pool.withConnection { try Tenants.find(id, on: $0) != nil } }) {
                case .valid(let role, let tenant, let subject, let expires):
                    return Identity(standing: .valid(role), tenant: tenant, digest: "oidc:" + Self.printable(subject),
                                    expiresMillis: Int64(expires * 1000))
                case .refused(let why):
                    return Identity(standing: .refused(why), digest: digest)
                }
            } catch {
                return Identity(standing: .uncheckable, digest: digest)
            }
        }
        let token: APITokens.Token?
        do {
            token = try await tokens.value(AccessLog.hex(hash)) { try await pool.withConnection { try APITokens.find(sha256: hash, on: $0) } }
        } catch {
            return Identity(standing: .uncheckable, digest: digest)
        }
        guard let token else { return Identity(standing: .refused(.unknown), digest: digest) }
        let standing: Identity.Standing = switch token.state(atMillis: Int64(Date.now.timeIntervalSince1970 * 1000)) {
        case .valid: .valid(token.role)
        case .expired: .refused(.expired)
        case .revoked: .refused(.revoked)
        }
        return Identity(standing: standing, tenant: token.tenant, digest: digest, expiresMillis: token.expiresMillis)
    }
}

extension Authenticator {
    /// A JWT subject as logged: at most 64 characters, printable ASCII without separators.
    static func printable(_ subject: String) -> String {
        String(String.UnicodeScalarView(subject.unicodeScalars.prefix(64).map {
            $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != "," && $0 != ":" ? $0 : "_"
        }))
    }
}

/// Answers 401 to a request whose token does not count, on open routes too (RFC 6750): a wrong
/// or stale token is the caller's mistake to hear about, and guessing stays visible. Placed
/// inside the access log and the rate limit, which see the refusal.
struct RefusedTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .refused(let why) = Identity.current.standing, !request.uri.path.hasPrefix("/health/") { throw Identity.refusal(why) }
        return try await next(request, context)
    }
}

/// Sets `Identity.current` for the rest of the request (outside the access log, which records it).
struct IdentityMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = await authenticator.identify(request) else { return try await next(request, context) }
        return try await Identity.$current.withValue(identity) { try await next(request, context) }
    }
}
