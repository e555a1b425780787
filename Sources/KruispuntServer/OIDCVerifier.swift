import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JWTKit
import KruispuntStore
import Logging
import Synchronization

/// Checks OpenID Connect JWTs (`OIDCSettings`): the signature with a key of the provider's key
/// set (by `kid`; only the configured algorithms, never `none` or HMAC), then issuer, audience,
/// expiry, not-before and issued-at with the clock skew, then exactly one Kruispunt role in the
/// role claim, and for an analyst a tenant that exists. The key set is read at the start, again
/// every 10 minutes, and at most once a minute when a token names a key it does not know (the
/// provider rotated its keys).
final class OIDCVerifier: Sendable {
    let settings: OIDCSettings
    private let keys = Mutex<(collection: JWTKeyCollection, kids: Set<String>, read: ContinuousClock.Instant?)>((JWTKeyCollection(), [], nil))
    private let tenants = ExpiringCache<Bool>(ttl: .seconds(5), capacity: 1_000)
    private let logger: Logger

    init(settings: OIDCSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Why a JWT does not count (`Identity.Refusal`), or the claims that matter.
    enum Outcome: Equatable {
        case valid(role: Role, tenant: String?, subject: String, expires: Double)
        case refused(Identity.Refusal)
    }

    /// Reads the key set (file or URL); throws with the reason when it cannot be used.
    func reload() async throws {
        let text: String
        if settings.jwks.hasPrefix("http://") || settings.jwks.hasPrefix("https://") {
            guard let url = URL(string: settings.jwks) else { throw ConfigurationError("KRUISPUNT_OIDC_JWKS is not a URL") }
            var request = URLRequest(url: url, timeoutInterval: 10)
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let (data, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw ConfigurationError("the key set at \(settings.jwks) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = try String(contentsOfFile: settings.jwks, encoding: .utf8)
        }
        let jwks: JWKS
        do { jwks = try JSONDecoder().decode(JWKS.self, from: Data(text.utf8)) } catch {
            throw ConfigurationError("\(settings.jwks) is not a JSON Web Key Set: \(error)")
        }
        let collection = JWTKeyCollection()
        var kids = Set<String>()
        for key in jwks.keys {
            guard let kid = key.keyIdentifier?.string else { continue }   // a key without kid cannot be chosen
            guard key.privateExponent == nil else {
                throw ConfigurationError("\(settings.jwks) holds a private key (kid \(kid)): give the public key set only")
            }
            do { try await collection.add(jwk: key) } catch {
                logger.warning("OIDC key \(kid) left out: \(error)")
                continue
            }
            kids.insert(kid)
        }
        guard !kids.isEmpty else { throw ConfigurationError("\(settings.jwks) holds no usable key with a kid") }
        keys.withLock { $0 = (collection, kids, ContinuousClock.now) }
        logger.info("OpenID Connect keys read", metadata: ["keys": "\(kids.sorted().joined(separator: ","))"])
    }

    /// Whether a bearer string is shaped like a JWT (three base64url parts).
    static func looksLikeJWT(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && token.hasPrefix("eyJ")
    }

    /// Checks a JWT; `tenantExists` is asked (and cached 5 s) for an analyst's tenant.
    func check(_ token: String, tenantExists: @Sendable (String) async throws -> Bool) async throws -> Outcome {
        // The header first: a known algorithm (no "none", no HMAC with a public key) and a kid.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URL(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              let alg = header["alg"] as? String, settings.algorithms.contains(alg),
              let kid = header["kid"] as? String else { return .refused(.invalidJWT) }
        var (collection, kids, read) = keys.withLock { $0 }
        let age = read.map { ContinuousClock.now - $0 }
        if (!kids.contains(kid) && age.map({ $0 > .seconds(60) }) ?? true) || age.map({ $0 > .seconds(600) }) ?? true {
            do { try await reload() } catch { logger.warning("OpenID Connect keys could not be read again: \(error)") }
            (collection, kids, read) = keys.withLock { $0 }
        }
        guard kids.contains(kid) else { return .refused(.invalidJWT) }
        let claims: Claims
        do { claims = try await collection.verify(token, as: Claims.self) } catch { return .refused(.invalidJWT) }
        let now = Date.now.timeIntervalSince1970, skew = settings.clockSkewSeconds
        guard claims.string("iss") == settings.issuer else { return .refused(.wrongIssuer) }
        guard claims.strings("aud").contains(settings.audience) else { return .refused(.wrongAudience) }
        guard let exp = claims.number("exp") else { return .refused(.invalidJWT) }
        guard exp + skew > now else { return .refused(.expired) }
        if let nbf = claims.number("nbf"), nbf - skew > now { return .refused(.notYetValid) }
        if let iat = claims.number("iat"), iat - skew > now { return .refused(.notYetValid) }
        guard let subject = claims.string("sub"), !subject.isEmpty else { return .refused(.invalidJWT) }
        let roles = Set(claims.strings(settings.roleClaim).compactMap(Role.init(rawValue:)))
        guard roles.count == 1, let role = roles.first else { return .refused(.noRole) }
        guard role == .analyst else { return .valid(role: role, tenant: nil, subject: subject, expires: exp) }
        guard let tenant = claims.string(settings.tenantClaim), try await tenants.value(tenant, load: { try await tenantExists(tenant) }) else {
            return .refused(.unknownTenant)
        }
        return .valid(role: role, tenant: tenant, subject: subject, expires: exp)
    }

    static func base64URL(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }

    /// Every claim of a verified token, as JSON values; the checks are `check`'s, with the
    /// configured issuer, audience and skew.
    struct Claims: JWTPayload {
        let all: [String: JSONValue]

        init(from decoder: any Decoder) throws { all = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try all.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}

        /// The value at a dotted path (`realm_access.roles`).
        func value(_ path: String) -> JSONValue? {
            var current: JSONValue? = .object(all)
            for key in path.split(separator: ".") {
                guard case .object(let object)? = current else { return nil }
                current = object[String(key)]
            }
            return current
        }

        func string(_ path: String) -> String? {
            if case .string(let s)? = value(path) { return s }
            return nil
        }

        /// A string, or the strings of an array.
        func strings(_ path: String) -> [String] {
            switch value(path) {
            case .string(let s)?: [s]
            case .array(let items)?: items.compactMap { if case .string(let s) = $0 { s } else { nil } }
            default: []
            }
        }

        func number(_ path: String) -> Double? {
            if case .number(let n)? = value(path) { return n }
            return nil
        }
    }

    /// A JSON value.
    indirect enum JSONValue: Codable, Sendable, Equatable {
        case string(String), number(Double), bool(Bool), array([JSONValue]), object([String: JSONValue]), null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSONValue].self)) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .number(let n): try c.encode(n)
            case .bool(let b): try c.encode(b)
            case .array(let a): try c.encode(a)
            case .object(let o): try c.encode(o)
            case .null: try c.encodeNil()
            }
        }
    }
}
