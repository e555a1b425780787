import HTTPTypes
import Hummingbird

/// Security headers: `X-Content-Type-Options: nosniff` and a `Referrer-Policy` on every
/// response; on HTML a Content-Security-Policy that runs no inline script (scripts from this
/// server only; inline `<script>` elements are data blocks, which a browser never runs), allows
/// images from the map's tile server, and forbids framing (`frame-ancestors 'none'`, and
/// `X-Frame-Options` for older browsers); `Strict-Transport-Security` when the request came over
/// TLS (a reverse proxy says so in `X-Forwarded-Proto`).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: String

    init(tileURL: String) {
        policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
            + (Self.origin(tileURL).map { " " + $0 } ?? "")
            + "; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    }

    /// The scheme and host of a tile URL template (`{s}` subdomains as `*`), or nil for none.
    static func origin(_ template: String) -> String? {
        guard let scheme = template.range(of: "://") else { return nil }
        let rest = template[scheme.upperBound...]
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty else { return nil }
        return String(template[..<scheme.upperBound]) + host.replacingOccurrences(of: "{s}", with: "*")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            apply(to: &response.headers, request: request)
            return response
        } catch let error as any HTTPResponseError {
            // Errors become responses further out: give them the headers here.
            var response = try error.response(from: request, context: context)
            apply(to: &response.headers, request: request)
            return response
        }
    }

    private func apply(to headers: inout HTTPFields, request: Request) {
        headers[.xContentTypeOptions] = "nosniff"
        headers[referrerPolicy] = "strict-origin-when-cross-origin"
        if headers[.contentType]?.hasPrefix("text/html") == true {
            headers[.contentSecurityPolicy] = policy
            headers[frameOptions] = "DENY"
        }
        if request.headers[forwardedProto]?.lowercased() == "https" {
            headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
    }
}

private let referrerPolicy = HTTPField.Name("Referrer-Policy")!
private let frameOptions = HTTPField.Name("X-Frame-Options")!
private let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

/// Refuses (400) a request whose path holds a NUL or another control character, raw or
/// percent-encoded: no route has one, and a file name cut short at a NUL is a classic way past
/// a check on its end.
struct ControlCharacterPathMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.holdsControl(request.uri.path) {
            throw HTTPError(.badRequest, message: "Ongeldig pad / invalid path")
        }
        return try await next(request, context)
    }

    /// Whether the path has a byte below 0x20 or 0x7F, raw or percent-encoded (`%00`, `%0d`, `%7f`…).
    static func holdsControl(_ path: String) -> Bool {
        var digits = -1   // hex digits read after a "%" (-1: not in an escape)
        var value: UInt8 = 0
        for b in path.utf8 {
            if b < 0x20 || b == 0x7F { return true }
            if digits >= 0, let d = hex(b) {
                value = value << 4 | d
                digits += 1
                if digits == 2 {
                    if value < 0x20 || value == 0x7F { return true }
                    digits = -1
                }
            } else {
                (digits, value) = (b == 0x25 ? 0 : -1, 0)
            }
        }
        return false
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x37
        case 0x61...0x66: b - 0x57
        default: nil
        }
    }
}
