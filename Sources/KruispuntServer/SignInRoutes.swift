import Foundation
import HTTPTypes
import Hummingbird
import KruispuntDashboard
import KruispuntStore

/// Signing in and out of a browser session: `GET /aanmelden` (`/login`) shows a form that takes
/// an API token or a JWT; `POST /aanmelden` checks it like a bearer token and, when it counts,
/// opens a session (at most `KRUISPUNT_SESSION_HOURS`, default 8, and never past the token's
/// own expiry) in an HttpOnly, SameSite=Strict cookie; `POST /afmelden` (`/logout`) ends it. The
/// form carries a double-submit CSRF token; a refused token costs the address a quarter of its
/// rate-limit bucket, so guessing slows down.
struct SignInRoutes: Sendable {
    let runtime: Runtime
    let authenticator: Authenticator
    let limiter: RateLimiter?

    /// The provider's login flow, when configured.
    var login: OIDCLogin? { runtime.configuration.oidc?.login.map(OIDCLogin.init) }

    func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(OIDCLogin.path)) { request, _ in try oidcStart(request) }
        router.get(RouterPath(OIDCLogin.returnPath)) { request, _ in try await oidcReturn(request) }
        for path in ["/aanmelden", "/login"] {
            router.get(RouterPath(path)) { request, _ in form(request) }
            router.post(RouterPath(path)) { request, _ in try await signIn(request) }
        }
        for path in ["/afmelden", "/logout"] { router.post(RouterPath(path)) { request, _ in try await signOut(request) } }
    }

    private var sessionHours: Double { runtime.configuration.sessionHours }

    /// A path on this site to go to after signing in (`volgende`), else nil: never another site.
    static func localPath(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), text.count <= 2_000,
              !text.unicodeScalars.contains(where: { $0.value < 32 }) else { return nil }
        return text
    }

    /// The sign-in form. Someone already signed in (to switch tokens) gets the session's CSRF
    /// token in it, which the session's CSRF check asks for; anyone else a double-submit token.
    private func form(_ request: Request, status: HTTPResponse.Status = .ok, message: String? = nil, next: String? = nil) -> Response {
        let session = Identity.current.csrf
        let csrf = session ?? SessionCookie.secret(SessionCookie.signInCSRF, in: request) ?? APITokens.randomSecret()
        let next = next ?? Self.localPath(request.uri.queryParameters.get("volgende").map { String($0) })
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        if session == nil {
            headers[.setCookie] = SessionCookie.set(SessionCookie.signInCSRF, csrf, maxAge: 3600,
                                                    secure: SessionCookie.secure(request, baseURL: runtime.configuration.baseURL))
        }
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: SignInPage.render(csrf: csrf, next: next, message: message,
                                                                                     provider: login != nil, hours: sessionHours))))
    }

    private func signIn(_ request: Request) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 64 << 10))
        let next = Self.localPath(RequestParameters.formValue("volgende", in: body))
        let expected = [Identity.current.csrf, SessionCookie.secret(SessionCookie.signInCSRF, in: request)].compactMap { $0 }
        guard let sent = RequestParameters.formValue("csrf", in: body), expected.contains(where: { SessionCookie.same(sent, $0) }) else {
            return form(request, status: .forbidden, message: "Het formulier is verlopen; probeer opnieuw. / The form expired; try again.", next: next)
        }
        let token = (RequestParameters.formValue("token", in: body) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let identity = token.isEmpty ? Identity(standing: .refused(.unknown)) : await authenticator.identify(secret: token)
        switch identity.standing {
        case .valid(let role):
            return try await openSession(identity, role: role, tokenSHA256: OIDCVerifier.looksLikeJWT(token) ? nil : APITokens.sha256(token),
                                         next: next, request: request)
        case .uncheckable:
            return form(request, status: .serviceUnavailable, message: "De databank is onbereikbaar; probeer later. / The database is unreachable; try later.", next: next)
        case .anonymous, .refused:
            _ = limiter?.take("address:" + (BearerToken.forwardedFor(request) ?? "direct"), cost: limiter?.refusedCost ?? 0)
            let why = if case .refused(let r) = identity.standing { r.message } else { Identity.Refusal.unknown.message }
            return form(request, status: .unauthorized, message: why, next: next)
        }
    }

    /// Opens a session for a valid identity (at most `sessionHours`, never past the credential's
    /// expiry) and sends the browser on (303) with its cookie; the sign-in cookies go, and so does
    /// the session the browser had, if any (signing in again switches, it does not add).
    private func openSession(_ identity: Identity, role: Role, tokenSHA256: [UInt8]?, next: String?, request: Request) async throws -> Response {
        let now = Int64(Date.now.timeIntervalSince1970 * 1000)
        let expires = min(now + Int64(sessionHours * 3_600_000), identity.expiresMillis ?? .max)
        let previous = SessionCookie.value(request)
        let opened = try await runtime.pool.withConnection { db in
            if let previous { _ = try Sessions.end(secret: previous, on: db) }
            return try Sessions.open(role: role, tenant: identity.tenant, digest: identity.digest ?? "", tokenSHA256: tokenSHA256,
                                     expiresMillis: expires, on: db)
        }
        if let previous { authenticator.forget(session: previous) }
        let secure = SessionCookie.secure(request, baseURL: runtime.configuration.baseURL)
        var headers: HTTPFields = [.location: next ?? (role == .analyst ? "/quality" : role == .ingest ? "/" : "/status"),
                                   .cacheControl: "no-store"]
        headers.append(HTTPField(name: .setCookie, value: SessionCookie.set(SessionCookie.session, opened.secret,
                                                                             maxAge: Int((expires - now) / 1000), secure: secure)))
        headers.append(HTTPField(name: .setCookie, value: SessionCookie.set(SessionCookie.signInCSRF, "", maxAge: 0, secure: secure)))
        headers.append(HTTPField(name: .setCookie, value: OIDCLogin.setCookie(nil, secure: secure)))
        return Response(status: .seeOther, headers: headers)
    }

    /// Where the provider sends the browser back to.
    private func redirectURI(_ request: Request) -> String {
        (runtime.configuration.baseURL ?? "http://" + (request.head.authority ?? "127.0.0.1")) + OIDCLogin.returnPath
    }

    /// `GET /aanmelden/oidc`: off to the provider, with a fresh state, nonce and PKCE verifier in a cookie.
    private func oidcStart(_ request: Request) throws -> Response {
        guard let login else {
            throw HTTPError(.notFound, message: "Aanmelden via de identiteitsprovider is niet ingesteld / the provider login is not configured")
        }
        let pending = OIDCLogin.Pending.fresh()
        var headers: HTTPFields = [.location: login.authorizationURL(pending, redirectURI: redirectURI(request)), .cacheControl: "no-store"]
        headers[.setCookie] = OIDCLogin.setCookie(pending, secure: SessionCookie.secure(request, baseURL: runtime.configuration.baseURL))
        return Response(status: .seeOther, headers: headers)
    }

    /// `GET /aanmelden/oidc/terug`: the provider's answer; a session when everything checks out,
    /// the sign-in page with the reason otherwise.
    private func oidcReturn(_ request: Request) async throws -> Response {
        guard let login else { throw HTTPError(.notFound) }
        let query = request.uri.queryParameters
        if let error = query.get("error") {
            return form(request, status: .unauthorized, message: "De identiteitsprovider meldde niet aan / the provider did not sign you in: "
                        + String(error.prefix(60)))
        }
        guard let pending = OIDCLogin.Pending.from(request), let state = query.get("state"), SessionCookie.same(state, pending.state),
              let code = query.get("code"), !code.isEmpty, code.count <= 4_096 else {
            return form(request, status: .forbidden, message: "Het aanmelden is verlopen of hoort niet bij deze browser; probeer opnieuw. / The sign-in expired or belongs to another browser; try again.")
        }
        let idToken: String
        do { idToken = try await login.exchange(code: code, pending: pending, redirectURI: redirectURI(request)) } catch let error as OIDCLogin.ExchangeError {
            runtime.logger.warning("OpenID Connect code exchange failed", metadata: ["reason": .string(error.message)])
            return form(request, status: .badGateway, message: "De identiteitsprovider gaf geen token / the provider gave no token: " + error.message)
        }
        let identity = await authenticator.identify(secret: idToken)
        switch identity.standing {
        case .valid(let role):
            guard let nonce = OIDCLogin.nonce(of: idToken), SessionCookie.same(nonce, pending.nonce) else {
                return form(request, status: .unauthorized, message: "Het ID-token hoort niet bij dit aanmelden (nonce) / the ID token does not belong to this sign-in (nonce)")
            }
            return try await openSession(identity, role: role, tokenSHA256: nil, next: nil, request: request)
        case .uncheckable:
            return form(request, status: .serviceUnavailable, message: "De databank is onbereikbaar; probeer later. / The database is unreachable; try later.")
        case .anonymous, .refused:
            let why = if case .refused(let r) = identity.standing { r.message } else { Identity.Refusal.unknown.message }
            return form(request, status: .unauthorized, message: why)
        }
    }

    private func signOut(_ request: Request) async throws -> Response {
        if let secret = SessionCookie.value(request) {
            // The CSRF middleware has checked the form's token against the session's.
            _ = try await runtime.pool.withConnection { db in try Sessions.end(secret: secret, on: db) }
            authenticator.forget(session: secret)
        }
        var headers: HTTPFields = [.location: "/", .cacheControl: "no-store"]
        headers[.setCookie] = SessionCookie.set(SessionCookie.session, "", maxAge: 0,
                                                secure: SessionCookie.secure(request, baseURL: runtime.configuration.baseURL))
        return Response(status: .seeOther, headers: headers)
    }
}

/// The sign-in page, in Dutch with English beneath.
enum SignInPage {
    static func render(csrf: String, next: String?, message: String?, provider: Bool = false, hours: Double = 8) -> String {
        let e = HTML.escape
        let length = hours.plainText
        return """
            <!DOCTYPE html>
            <html lang="nl">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Aanmelden · Kruispunt</title>
              <link rel="icon" href="/public/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/public/kruispunt.css">
            </head>
            <body>
            <header><span class="brand"><a href="/">Kruispunt</a></span></header>
            <main>
            <h1>Aanmelden</h1>
            \(message.map { "<p class=\"error\" role=\"alert\">\(e($0))</p>" } ?? "")
            <form method="post" action="/aanmelden">
              <input type="hidden" name="csrf" value="\(e(csrf))">
              \(next.map { "<input type=\"hidden\" name=\"volgende\" value=\"\(e($0))\">" } ?? "")
              <p><label for="token">Uw token (API-token of JWT van Digitaal Vlaanderen)</label><br>
              <input id="token" name="token" type="password" autocomplete="off" required size="60"></p>
              <p><button type="submit">Aanmelden</button></p>
            </form>
            \(provider ? "<p><a class=\"button\" href=\"\(OIDCLogin.path)\">Aanmelden via Digitaal Vlaanderen</a> <span lang=\"en\">(sign in with Digitaal Vlaanderen)</span></p>" : "")
            <p>Een sessie duurt hoogstens \(length) uur en eindigt wanneer u zich afmeldt of het token ingetrokken wordt.</p>
            <p lang="en">Sign in with your token (an API token or a Digitaal Vlaanderen JWT). The session lasts at most \
            \(length) hours and ends when you sign out or the token is revoked.</p>
            </main>
            </body>
            </html>

            """
    }
}
