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
