import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import KruispuntStore

/// Signing in through the identity provider's own login (OpenID Connect authorization code flow
/// with PKCE), configured with `KRUISPUNT_OIDC_CLIENT_ID`, `KRUISPUNT_OIDC_AUTHORIZATION_ENDPOINT`,
/// `KRUISPUNT_OIDC_TOKEN_ENDPOINT` and, for a confidential client, `KRUISPUNT_OIDC_CLIENT_SECRET`
/// (beside the issuer, audience and key set the JWT check needs).
///
/// `GET /aanmelden/oidc` sends the browser to the provider with a fresh `state`, `nonce` and PKCE
/// challenge (S256), kept for 10 minutes in the HttpOnly cookie `kp_oidc` (SameSite=Lax: the
/// provider's redirect back is a top-level navigation from another site). The provider sends
/// the browser back to `GET /aanmelden/oidc/terug?code&state`; the state must match the
/// cookie's, the code is exchanged at the token endpoint (with the PKCE verifier), and the ID
/// token must pass every check a bearer JWT does (signature, issuer, audience, expiry, one role,
/// a known tenant) and carry the cookie's nonce. Then a session opens as with the sign-in form.
struct OIDCLogin: Sendable {
    struct Settings: Sendable, Equatable {
        var clientID: String
        var clientSecret: String?
        var authorizationEndpoint: URL
        var tokenEndpoint: URL

        /// nil when the login flow is not configured; a partial or bad configuration is an error.
        static func fromEnvironment(_ env: [String: String]) throws -> Settings? {
            func value(_ name: String) -> String? { env["KRUISPUNT_OIDC_" + name].flatMap { $0.isEmpty ? nil : $0 } }
            let required = [("CLIENT_ID", value("CLIENT_ID")), ("AUTHORIZATION_ENDPOINT", value("AUTHORIZATION_ENDPOINT")),
                            ("TOKEN_ENDPOINT", value("TOKEN_ENDPOINT"))]
            let missing = required.filter { $0.1 == nil }.map { "KRUISPUNT_OIDC_" + $0.0 }
            if missing.count == required.count {
                if value("CLIENT_SECRET") != nil { throw ConfigurationError("KRUISPUNT_OIDC_CLIENT_SECRET needs KRUISPUNT_OIDC_CLIENT_ID and both endpoints") }
                return nil
            }
            guard missing.isEmpty else {
                throw ConfigurationError("the OpenID Connect login needs \(missing.joined(separator: " and ")) too")
            }
            func endpoint(_ name: String) throws -> URL {
                let text = value(name)!
                guard let url = URL(string: text), url.scheme == "https" || Self.isLoopback(url) else {
                    throw ConfigurationError("KRUISPUNT_OIDC_\(name) must be an https URL (http only on this machine)")
                }
                return url
            }
            return Settings(clientID: value("CLIENT_ID")!, clientSecret: value("CLIENT_SECRET"),
                            authorizationEndpoint: try endpoint("AUTHORIZATION_ENDPOINT"), tokenEndpoint: try endpoint("TOKEN_ENDPOINT"))
        }

        static func isLoopback(_ url: URL) -> Bool {
            url.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(url.host ?? "")
        }
    }

    static let cookie = "kp_oidc"
    static let path = "/aanmelden/oidc"
    static let returnPath = "/aanmelden/oidc/terug"

    let settings: Settings

    /// What the flow keeps in its cookie between leaving for the provider and coming back.
    struct Pending: Equatable {
        var state: String
        var nonce: String
        var verifier: String

        static func fresh() -> Pending { Pending(state: APITokens.randomSecret(), nonce: APITokens.randomSecret(), verifier: APITokens.randomSecret()) }
        var cookieValue: String { [state, nonce, verifier].joined(separator: ".") }

        static func from(_ request: Request) -> Pending? {
            guard let value = SessionCookie.cookies(request)[OIDCLogin.cookie] else { return nil }
            let parts = value.split(separator: ".").map(String.init)
            guard parts.count == 3, parts.allSatisfy({ $0.utf8.count == 43 }) else { return nil }
            return Pending(state: parts[0], nonce: parts[1], verifier: parts[2])
        }

        /// The PKCE challenge (S256) of the verifier.
        var challenge: String { Self.base64url(Data(SHA256.hash(data: Data(verifier.utf8)))) }

        static func base64url(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }

    /// The provider's authorization URL for a pending sign-in.
    func authorizationURL(_ pending: Pending, redirectURI: String) -> String {
        let query = [("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
                     ("scope", "openid"), ("state", pending.state), ("nonce", pending.nonce),
                     ("code_challenge", pending.challenge), ("code_challenge_method", "S256")]
        let separator = settings.authorizationEndpoint.absoluteString.contains("?") ? "&" : "?"
        return settings.authorizationEndpoint.absoluteString + separator + Self.form(query)
    }

    /// The `Set-Cookie` value that keeps (or, with nil, removes) a pending sign-in.
    static func setCookie(_ pending: Pending?, secure: Bool) -> String {
        "\(cookie)=\(pending?.cookieValue ?? ""); Path=\(path); Max-Age=\(pending == nil ? 0 : 600); HttpOnly; SameSite=Lax"
            + (secure ? "; Secure" : "")
    }

    /// Why the exchange at the token endpoint failed.
    struct ExchangeError: Error {
        let message: String
    }

    /// Exchanges an authorization code for the ID token.
    func exchange(code: String, pending: Pending, redirectURI: String) async throws -> String {
        var request = URLRequest(url: settings.tokenEndpoint, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                      ("client_id", settings.clientID), ("code_verifier", pending.verifier)]
        if let secret = settings.clientSecret { fields.append(("client_secret", secret)) }
        request.httpBody = Data(Self.form(fields).utf8)
        let data: Data, response: URLResponse
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw ExchangeError(message: "token endpoint unreachable")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard status == 200, let idToken = json?["id_token"] as? String else {
            let reason = (json?["error"] as? String).map { " (\($0.prefix(60)))" } ?? ""
            throw ExchangeError(message: "the token endpoint answered \(status)\(reason) without an ID token")
        }
        return idToken
    }

    /// The `nonce` claim of a JWT whose signature was checked already.
    static func nonce(of jwt: String) -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let claims = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return nil
        }
        return claims["nonce"] as? String
    }

    /// `application/x-www-form-urlencoded` (RFC 3986 unreserved characters kept).
    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
