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
    /// `base` is the base URL: JSON-LD refers to the context published under it.
    /// With `treeProfile` the triples are in the TREE profile's order (hypermedia first, then
    /// each member after its `tree:member` triple), and a client that asks for the profile in
    /// N-Triples or N-Quads gets it named in the Content-Type.
    /// `rendered` receives an RDF body (not the HTML view), its Content-Type and ETag.
    static func make(_ triples: [Triple], request: Request, cacheSeconds: Int, base: String,
                     immutable: Bool = false, treeProfile: Bool = false,
                     rendered: (_ body: String, _ contentType: String, _ etag: String) -> Void = { _, _, _ in }) throws -> Response {
        try make(quads: triples.map { Quad($0, graph: nil) }, request: request, cacheSeconds: cacheSeconds, base: base,
                 immutable: immutable, treeProfile: treeProfile, rendered: rendered)
    }

    static let treeProfile = "https://w3id.org/tree/profile"

    /// Quads in the negotiated syntax (with their graphs in N-Quads, TriG and JSON-LD), or as an
    /// HTML page when a browser asks.
    static func make(quads: [Quad], request: Request, cacheSeconds: Int, base: String,
                     immutable: Bool = false, treeProfile: Bool = false, headers extra: HTTPFields = [:],
                     rendered: (_ body: String, _ contentType: String, _ etag: String) -> Void = { _, _, _ in }) throws -> Response {
        let format = request.uri.queryParameters.get("format")
        let body: String, contentType: String
        if ContentNegotiation.prefersHTML(accept: request.headers[.accept], format: format) {
            body = LinkedDataPage(url: base + request.uri.description, quads: quads).render()
            contentType = "text/html; charset=utf-8"
        } else if let syntax = ContentNegotiation.syntax(accept: request.headers[.accept], format: format) {
            body = try RDFDocument.render(quads: quads, as: syntax, jsonldContext: .url(base + JSONLDContext.path))
            let profiled = treeProfile && (syntax == .ntriples || syntax == .nquads)
                && (request.headers[.accept] ?? "").contains(Self.treeProfile)
            contentType = syntax.mediaType + (syntax == .jsonld ? "" : "; charset=utf-8")
                + (profiled ? "; profile=\"\(Self.treeProfile)\"" : "")
        } else {
            let offered = ContentNegotiation.offered.map(\.mediaType).joined(separator: ", ")
            return text("Geen aanvaardbaar formaat. Beschikbaar / available: \(offered)\n", status: .notAcceptable)
        }
        // The HTML page is a view for people: never cached for long.
        let html = contentType.hasPrefix("text/html")
        let tag = etag(body)
        if !html { rendered(body, contentType, tag) }
        var response = conditional(body, contentType: contentType, request: request,
                                   cacheSeconds: html ? min(cacheSeconds, 60) : cacheSeconds, vary: true,
                                   immutable: immutable && !html, etag: tag)
        for field in extra { response.headers.append(field) }
        return response
    }

    /// A body with ETag handling: 304 when the client's copy is current.
    static func conditional(_ body: String, contentType: String, request: Request, cacheSeconds: Int, vary: Bool,
                            immutable: Bool = false, etag known: String? = nil) -> Response {
        conditional(ByteBuffer(string: body), contentType: contentType, request: request, cacheSeconds: cacheSeconds, vary: vary,
                    immutable: immutable, etag: known ?? Self.etag(body))
    }

    /// `conditional` with a body already in a buffer (a cached page, sent without copying).
    static func conditional(_ body: ByteBuffer, contentType: String, request: Request, cacheSeconds: Int, vary: Bool,
                            immutable: Bool = false, etag: String) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType,
            .eTag: etag,
            .cacheControl: "public, max-age=\(cacheSeconds)" + (immutable ? ", immutable" : ""),
            .accessControlAllowOrigin: "*",
        ]
        if vary { headers[.vary] = "Accept" }
        if isCurrent(request, etag: etag) { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Whether the client's copy is current: `If-None-Match` names `etag` (weak comparison,
    /// RFC 9110 13.1.2: W/"x" matches "x") or is `*`.
    static func isCurrent(_ request: Request, etag: String) -> Bool {
        guard let match = request.headers[.ifNoneMatch] else { return false }
        return match.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .contains { $0 == "*" || $0 == etag || $0 == "W/" + etag }
    }

    /// A strong ETag: 96 bits of the body's hash.
    static func etag(_ body: String) -> String {
        "\"" + TermKey(bytes: Array(body.utf8)).uuid.replacingOccurrences(of: "-", with: "").prefix(24) + "\""
    }

    /// A plain-text response (errors a person reads).
    static func text(_ message: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
