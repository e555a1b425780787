import Foundation
import Hummingbird
import KruispuntDashboard
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore

/// Builds HTTP responses for Linked Data and pages: content negotiation (`Vary: Accept`), ETag
/// with `If-None-Match` (304), CORS open for GET, and cache headers.
enum LinkedDataResponse {
    /// Serialises triples in the syntax the client asked for (or `?format=`), or answers 406.
    /// JSON-LD refers to the published context at `contextURL`.
    static func make(_ triples: [Triple], request: Request, cacheSeconds: Int, contextURL: String,
                     immutable: Bool = false) throws -> Response {
        try make(quads: triples.map { Quad($0, graph: nil) }, request: request, cacheSeconds: cacheSeconds, contextURL: contextURL,
                 immutable: immutable)
    }

    /// Quads in the negotiated syntax: with their graphs in N-Quads, TriG and JSON-LD.
    static func make(quads: [Quad], request: Request, cacheSeconds: Int, contextURL: String,
                     immutable: Bool = false, headers extra: HTTPFields = [:]) throws -> Response {
        if ContentNegotiation.prefersHTML(accept: request.headers[.accept], format: request.uri.queryParameters.get("format")) {
            // The page's own URL: the base (the context's URL without its path) and the request's.
            let url = contextURL.dropLast(JSONLDContext.path.count) + request.uri.description
            let page = LinkedDataPage(url: String(url), quads: quads).render()
            var response = conditional(page, contentType: "text/html; charset=utf-8", request: request,
                                       cacheSeconds: min(cacheSeconds, 60), vary: true)
            for field in extra { response.headers.append(field) }
            return response
        }
        guard let syntax = ContentNegotiation.syntax(accept: request.headers[.accept],
                                                     format: request.uri.queryParameters.get("format")) else {
            let offered = ContentNegotiation.offered.map(\.mediaType).joined(separator: ", ")
            return text("Geen aanvaardbaar formaat. Beschikbaar / available: \(offered)\n", status: .notAcceptable)
        }
        let body = try RDFDocument.render(quads: quads, as: syntax, jsonldContext: .url(contextURL))
        let contentType = syntax.mediaType + (syntax == .jsonld ? "" : "; charset=utf-8")
        var response = conditional(body, contentType: contentType, request: request, cacheSeconds: cacheSeconds, vary: true,
                                   immutable: immutable)
        for field in extra { response.headers.append(field) }
        return response
    }

    /// A body with ETag handling: 304 when the client's copy is current.
    static func conditional(_ body: String, contentType: String, request: Request, cacheSeconds: Int, vary: Bool,
                            immutable: Bool = false) -> Response {
        let key = TermKey(bytes: Array(body.utf8))
        let etag = "\"" + key.uuid.replacingOccurrences(of: "-", with: "").prefix(24) + "\""
        var headers: HTTPFields = [
            .contentType: contentType,
            .eTag: etag,
            .cacheControl: "public, max-age=\(cacheSeconds)" + (immutable ? ", immutable" : ""),
            .accessControlAllowOrigin: "*",
        ]
        if vary { headers[.vary] = "Accept" }
        // Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
               .contains(where: { $0 == "*" || $0 == etag || $0 == "W/" + etag }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A plain-text response (errors a person reads).
    static func text(_ message: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
