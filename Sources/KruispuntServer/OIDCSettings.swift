import Foundation

/// OpenID Connect bearer tokens (JWTs) from Digitaal Vlaanderen's identity provider, read from
/// the environment: `KRUISPUNT_OIDC_ISSUER`, `KRUISPUNT_OIDC_AUDIENCE` and `KRUISPUNT_OIDC_JWKS`
/// (a file or an https URL of the provider's key set) switch it on together;
/// `KRUISPUNT_OIDC_ROLE_CLAIM` (default `kruispunt_role`) and `KRUISPUNT_OIDC_TENANT_CLAIM`
/// (default `kruispunt_tenant`) name the claims, dotted for nested ones (`realm_access.roles`);
/// `KRUISPUNT_OIDC_CLOCK_SKEW` (seconds, default 60) is the leeway on `exp`, `nbf` and `iat`;
/// `KRUISPUNT_OIDC_ALGORITHMS` the signature algorithms accepted (default RS256, PS256, ES256).
public struct OIDCSettings: Sendable, Equatable {
    public var issuer: String
    public var audience: String
    public var jwks: String
    public var roleClaim: String
    public var tenantClaim: String
    public var clockSkewSeconds: Double
    public var algorithms: Set<String>
    /// The browser login through the provider (authorization code flow), when configured.
    var login: OIDCLogin.Settings?

    /// The settings, nil when OIDC is not configured; a partial or bad configuration is an error.
    static func fromEnvironment(_ env: [String: String]) throws -> OIDCSettings? {
        func value(_ name: String) -> String? { env["KRUISPUNT_OIDC_" + name].flatMap { $0.isEmpty ? nil : $0 } }
        let required = [("ISSUER", value("ISSUER")), ("AUDIENCE", value("AUDIENCE")), ("JWKS", value("JWKS"))]
        let missing = required.filter { $0.1 == nil }.map { "KRUISPUNT_OIDC_" + $0.0 }
        let login = try OIDCLogin.Settings.fromEnvironment(env)
        if missing.count == required.count {
            if login != nil { throw ConfigurationError("the OpenID Connect login needs KRUISPUNT_OIDC_ISSUER, _AUDIENCE and _JWKS too") }
            return nil
        }
        guard missing.isEmpty else {
            throw ConfigurationError("OpenID Connect needs \(missing.joined(separator: " and ")) too (issuer, audience and key set go together)")
        }
        var skew = 60.0
        if let text = value("CLOCK_SKEW") {
            guard let s = Double(text), (0...3600).contains(s) else {
                throw ConfigurationError("KRUISPUNT_OIDC_CLOCK_SKEW must be 0 to 3600 seconds")
            }
            skew = s
        }
        let known: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
        let algorithms = Set((value("ALGORITHMS") ?? "RS256,PS256,ES256").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !algorithms.isEmpty, algorithms.isSubset(of: known) else {
            throw ConfigurationError("KRUISPUNT_OIDC_ALGORITHMS takes \(known.sorted().joined(separator: ", ")) (never none or HS*)")
        }
        let jwks = value("JWKS")!
        if jwks.hasPrefix("http:") || jwks.hasPrefix("https:") {
            guard jwks.hasPrefix("https://") || jwks.hasPrefix("http://127.0.0.1") || jwks.hasPrefix("http://localhost") else {
                throw ConfigurationError("KRUISPUNT_OIDC_JWKS must be an https URL (or a file)")
            }
        } else if !FileManager.default.isReadableFile(atPath: jwks) {
            throw ConfigurationError("KRUISPUNT_OIDC_JWKS: cannot read \(jwks)")
        }
        return OIDCSettings(issuer: value("ISSUER")!, audience: value("AUDIENCE")!, jwks: jwks,
                            roleClaim: value("ROLE_CLAIM") ?? "kruispunt_role", tenantClaim: value("TENANT_CLAIM") ?? "kruispunt_tenant",
                            clockSkewSeconds: skew, algorithms: algorithms, login: login)
    }
}
