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

        var message: String {
            switch self {
            case .unknown: "Ongeldig token / invalid token"
            case .expired: "Token verlopen / token expired"
            case .revoked: "Token ingetrokken / token revoked"
            }
        }
    }

    var standing: Standing
    var tenant: String?
    /// The first 12 hex digits of the token's SHA-256 (never the token).
    var digest: String?

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
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"kruispunt\", error=\"invalid_token\""],
                            message: why.message)
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
    private let known = Mutex<[String: (token: APITokens.Token?, read: ContinuousClock.Instant)]>([:])
    let ttl: Duration

    init(adminTokens: [String], ingestTokens: [String], pool: ConnectionPool, ttl: Duration = .seconds(5)) {
        var configured: [String: Role] = [:]
        for t in ingestTokens { configured[t] = .ingest }
        for t in adminTokens { configured[t] = .admin }
        self.configured = configured
        self.pool = pool
        self.ttl = ttl
    }

    func identify(_ request: Request) async -> Identity {
        guard let secret = BearerToken.presented(request) else { return .anonymous }
        // One hash per request: the store's key, and its first 6 bytes are the digest logged.
        let hash = APITokens.sha256(secret)
        let digest = AccessLog.hex(Array(hash.prefix(6)))
        if let role = configured[secret] { return Identity(standing: .valid(role), digest: digest) }
        let key = AccessLog.hex(hash)
        let now = ContinuousClock.now
        let token: APITokens.Token?
        if let entry = known.withLock({ $0[key] }), now - entry.read < ttl {
            token = entry.token
        } else {
            do {
                token = try await pool.withConnection { try APITokens.find(sha256: hash, on: $0) }
            } catch {
                return Identity(standing: .uncheckable, digest: digest)
            }
            known.withLock { k in
                if k.count >= 10_000 { k.removeAll() }
                k[key] = (token, now)
            }
        }
        guard let token else { return Identity(standing: .refused(.unknown), digest: digest) }
        let standing: Identity.Standing = switch token.state(atMillis: Int64(Date.now.timeIntervalSince1970 * 1000)) {
        case .valid: .valid(token.role)
        case .expired: .refused(.expired)
        case .revoked: .refused(.revoked)
        }
        return Identity(standing: standing, tenant: token.tenant, digest: digest)
    }
}

/// Sets `Identity.current` for the rest of the request (outside the access log, which records it).
struct IdentityMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard BearerToken.presented(request) != nil else { return try await next(request, context) }
        let identity = await authenticator.identify(request)
        return try await Identity.$current.withValue(identity) { try await next(request, context) }
    }
}
