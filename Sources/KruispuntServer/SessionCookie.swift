import Foundation
import HTTPTypes
import Hummingbird

/// The cookies of browser sessions: `kp_sessie` (the session's secret) and `kp_csrf` (the sign-in
/// form's double-submit token), both HttpOnly, SameSite=Strict, on every path, and Secure when the
/// request came over TLS (`X-Forwarded-Proto: https`) or the base URL is https.
enum SessionCookie {
    static let session = "kp_sessie"
    static let signInCSRF = "kp_csrf"

    /// Every cookie of a request by name (the first of a name wins).
    static func cookies(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, out[parts[0]] == nil { out[parts[0]] = parts[1] }
            }
        }
        return out
    }

    /// A cookie's value when it has the shape of a secret (43 base64url characters), else nil.
    static func secret(_ name: String, in request: Request) -> String? {
        guard let v = cookies(request)[name], v.utf8.count == 43,
              v.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { return nil }
        return v
    }

    /// The session cookie's secret, when the request carries a well-formed one.
    static func value(_ request: Request) -> String? { secret(session, in: request) }

    /// Whether cookies must be Secure for this request.
    static func secure(_ request: Request, baseURL: String?) -> Bool {
        request.headers[forwardedProto]?.lowercased() == "https" || (baseURL?.hasPrefix("https://") ?? false)
    }

    /// A `Set-Cookie` value; `maxAge` 0 deletes the cookie.
    static func set(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// Equal strings in a time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

private let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

/// Requests of a browser session that change something (any method but GET, HEAD, OPTIONS)
/// must carry the session's CSRF token, in `X-CSRF-Token` or a form's `csrf` field; otherwise
/// 403. Bearer tokens need none: a browser never sends one unasked.
struct SessionCSRFMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let expected = Identity.current.csrf, ![.get, .head, .options].contains(request.method) else {
            return try await next(request, context)
        }
        if let sent = request.headers[csrfHeader], SessionCookie.same(sent, expected) { return try await next(request, context) }
        var request = request
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.body.collect(upTo: 1 << 20)
            request = Request(head: request.head, body: .init(buffer: body))
            if let sent = RequestParameters.formValue("csrf", in: String(buffer: body)), SessionCookie.same(sent, expected) {
                return try await next(request, context)
            }
        }
        throw HTTPError(.forbidden, message: "CSRF-token ontbreekt of klopt niet / missing or wrong CSRF token")
    }
}

private let csrfHeader = HTTPField.Name("X-CSRF-Token")!
