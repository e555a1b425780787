import Foundation
import Hummingbird
import KruispuntDashboard
import Logging

/// The OpenAPI 3.1 description of the HTTP API (`API/openapi.json` in the resources folder), served
/// at `/openapi.json` with this server's base URL, and rendered as a readable reference at `/api`
/// (HTML made here: no CDN, no script). `test_46_openapi` compares it with the router and runs
/// schemathesis against it.
struct APIDocument: Sendable {
    /// The document as served (its `servers` set to the base URL).
    let json: Data
    let html: String
    let etag: String
    /// Every documented operation as the router names it (`GET /streams/{name}`; a path item's
    /// `x-kruispunt-router-path` gives the router's form where OpenAPI has none, as for `/id/**`).
    let operations: Set<String>

    /// Reads the description from `file` (`API/openapi.json` of the resources folder).
    init(file: URL, baseURL: String) throws {
        guard let data = try? Data(contentsOf: file),
              var document = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError("\(file.path): the OpenAPI description is missing or not a JSON object")
        }
        document["servers"] = [["url": baseURL, "description": "Deze Kruispunt-server / this Kruispunt server"]]
        json = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        html = APIReferencePage.render(document)
        var operations = Set<String>()
        for (path, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
            // Hummingbird names a captured segment `{name}` in its route table (`:name` in code).
            let routerPath = (item["x-kruispunt-router-path"] as? String ?? path).split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            for method in ["get", "head", "post", "put", "patch", "delete", "options"] where item[method] != nil {
                operations.insert(method.uppercased() + " " + routerPath)
            }
        }
        self.operations = operations
        etag = "\"" + String(format: "%08x", json.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }) + "\""
    }

    /// Compares the description with the routes a router has: the routes it does not describe and
    /// the operations it describes that no route serves (both empty when it is up to date).
    func compare(with routes: [Router<BasicRequestContext>.RouteDescription]) -> (undocumented: [String], unrouted: [String]) {
        let routed = Set(routes.map { "\($0.method.rawValue) \($0.path.description)" })
        return (routed.subtracting(operations).sorted(), operations.subtracting(routed).sorted())
    }

    /// Logs whether the description matches the router's routes (`test_46` reads the verdict).
    func logComparison(with routes: [Router<BasicRequestContext>.RouteDescription], logger: Logger) {
        let (undocumented, unrouted) = compare(with: routes)
        if undocumented.isEmpty && unrouted.isEmpty {
            logger.info("the OpenAPI description matches the router", metadata: ["routes": "\(operations.count)"])
        } else {
            logger.error("the OpenAPI description does not match the router", metadata: [
                "undocumented": .array(undocumented.map { .string($0) }), "documented_without_route": .array(unrouted.map { .string($0) })])
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/openapi.json") { request, _ in
            respond(request, body: json, type: request.headers[.accept]?.contains("application/vnd.oai.openapi+json") == true
                    ? "application/vnd.oai.openapi+json; charset=utf-8" : "application/json; charset=utf-8")
        }
        router.get("/api") { request, _ in respond(request, body: Data(html.utf8), type: "text/html; charset=utf-8") }
    }

    private func respond(_ request: Request, body: Data, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=300", .eTag: etag,
                                   .vary: "Accept"]
        headers[.accessControlAllowOrigin] = "*"
        if request.headers[.ifNoneMatch].map({ $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == etag } }) == true {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The HTML reference of an OpenAPI document: per tag, every operation with its roles, parameters,
/// request body and responses. Dutch first, the document's own (English) texts as written.
enum APIReferencePage {
    static func render(_ document: [String: Any]) -> String {
        let e = HTML.escape
        let info = document["info"] as? [String: Any] ?? [:]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let tags = (document["tags"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        var byTag: [String: [(path: String, method: String, operation: [String: Any])]] = [:]
        for (path, item) in paths {
            for method in ["get", "head", "post", "put", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let tag = (operation["tags"] as? [String])?.first ?? "Overige"
                byTag[tag, default: []].append((path, method, operation))
            }
        }
        let order = tags + byTag.keys.filter { !tags.contains($0) }.sorted()
        var body = "<p>\(e(info["title"] as? String ?? "Kruispunt API")), versie \(e(info["version"] as? String ?? "?")). "
        body += "Machineleesbaar als <a href=\"/openapi.json\">OpenAPI 3.1 (JSON)</a>.</p>\n"
        if let description = info["description"] as? String { body += paragraphs(description) }
        body += "<nav aria-label=\"Inhoud\"><ul>" + order.filter { byTag[$0] != nil }.map { "<li><a href=\"#\(anchor($0))\">\(e($0))</a></li>" }.joined() + "</ul></nav>\n"
        let tagInfo = Dictionary((document["tags"] as? [[String: Any]] ?? []).compactMap { t in (t["name"] as? String).map { ($0, t) } }) { a, _ in a }
        for tag in order {
            guard let operations = byTag[tag] else { continue }
            body += "<section id=\"\(anchor(tag))\"><h2>\(e(tag))</h2>\n"
            if let description = tagInfo[tag]?["description"] as? String { body += paragraphs(description) }
            if let docs = tagInfo[tag]?["externalDocs"] as? [String: Any], let url = docs["url"] as? String {
                body += "<p>Specificatie: <a href=\"\(e(url))\">\(e(docs["description"] as? String ?? url))</a></p>\n"
            }
            for (path, method, operation) in operations.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) }) {
                body += operationHTML(path: path, method: method, operation: operation, pathItem: paths[path] ?? [:],
                                      componentParameters: (document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]] ?? [:])
            }
            body += "</section>\n"
        }
        return OperatorPage.render(title: "API-referentie", json: "/openapi.json", style: """
                .operation { border-top: 1px solid #c9d1db; padding-top: 0.5rem; margin-top: 1rem; }
                .operation code.method { text-transform: uppercase; font-weight: bold; }
            """, footer: "De HTTP-API van Kruispunt, voor ontwikkelaars van steden en dataportalen.", body: body)
    }

    private static func operationHTML(path: String, method: String, operation: [String: Any], pathItem: [String: Any],
                                      componentParameters: [String: [String: Any]]) -> String {
        let e = HTML.escape
        var html = "<article class=\"operation\" id=\"\(anchor(method + " " + path))\">"
        html += "<h3><code class=\"method\">\(e(method))</code> <code>\(e(path))</code></h3>\n"
        if let summary = operation["summary"] as? String { html += "<p><strong>\(e(summary))</strong></p>\n" }
        if let description = operation["description"] as? String { html += paragraphs(description) }
        if let roles = operation["x-kruispunt-roles"] as? [String] {
            html += "<p>Rollen / roles: " + (roles.isEmpty ? "iedereen / anyone" : roles.map { "<code>\(e($0))</code>" }.joined(separator: ", ")) + "</p>\n"
        }
        if let docs = operation["externalDocs"] as? [String: Any], let url = docs["url"] as? String {
            html += "<p>Specificatie: <a href=\"\(e(url))\">\(e(docs["description"] as? String ?? url))</a></p>\n"
        }
        let parameters = ((pathItem["parameters"] as? [[String: Any]] ?? []) + (operation["parameters"] as? [[String: Any]] ?? []))
            .map { p in (p["$ref"] as? String).flatMap { componentParameters[String($0.split(separator: "/").last ?? "")] } ?? p }
        if !parameters.isEmpty {
            let rows = parameters.map { p -> [String] in
                [p["name"] as? String ?? (p["$ref"] as? String).map { String($0.split(separator: "/").last ?? "") } ?? "?",
                 p["in"] as? String ?? "", (p["required"] as? Bool) == true ? "ja" : "nee",
                 schemaText(p["schema"] as? [String: Any]), p["description"] as? String ?? ""]
            }
            html += OperatorPage.table(id: anchor(method + path + "-parameters"), caption: "Parameters",
                                       header: ["Naam", "Waar", "Verplicht", "Type", "Beschrijving"], rows: rows)
        }
        if let request = operation["requestBody"] as? [String: Any] {
            let types = (request["content"] as? [String: Any])?.keys.sorted() ?? []
            html += "<p>Inhoud van het verzoek / request body: " + types.map { "<code>\(e($0))</code>" }.joined(separator: ", ")
            if let description = request["description"] as? String { html += " — \(e(description))" }
            html += "</p>\n"
        }
        if let responses = operation["responses"] as? [String: Any] {
            let rows = responses.keys.sorted().map { code -> [String] in
                let response = responses[code] as? [String: Any] ?? [:]
                let name = (response["$ref"] as? String).map { String($0.split(separator: "/").last ?? "") }
                let types = (response["content"] as? [String: Any])?.keys.sorted().joined(separator: ", ") ?? ""
                return [code, response["description"] as? String ?? name ?? "", types]
            }
            html += OperatorPage.table(id: anchor(method + path + "-responses"), caption: "Antwoorden / responses",
                                       header: ["Status", "Beschrijving", "Mediatypes"], rows: rows)
        }
        return html + "</article>\n"
    }

    private static func schemaText(_ schema: [String: Any]?) -> String {
        guard let schema else { return "" }
        if let ref = schema["$ref"] as? String { return String(ref.split(separator: "/").last ?? "") }
        var text = (schema["type"] as? String) ?? ((schema["type"] as? [String])?.joined(separator: " | ")) ?? ""
        if let values = schema["enum"] as? [Any] { text += " (" + values.map { "\($0)" }.joined(separator: ", ") + ")" }
        if let minimum = schema["minimum"] { text += ", ≥ \(minimum)" }
        if let maximum = schema["maximum"] { text += ", ≤ \(maximum)" }
        if let value = schema["default"] { text += ", standaard \(value)" }
        return text
    }

    /// Paragraphs of the document's Markdown, with its `code` spans and **bold** (the rest as text).
    private static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { "<p>\(inline($0))</p>\n" }.joined()
    }

    static func inline(_ text: String) -> String {
        var html = "", code = false, bold = false
        var rest = Substring(text)
        while let c = rest.first {
            if c == "`" {
                html += code ? "</code>" : "<code>"
                code.toggle()
                rest = rest.dropFirst()
            } else if !code, rest.hasPrefix("**") {
                html += bold ? "</strong>" : "<strong>"
                bold.toggle()
                rest = rest.dropFirst(2)
            } else {
                html += HTML.escape(String(c))
                rest = rest.dropFirst()
            }
        }
        return html + (code ? "</code>" : "") + (bold ? "</strong>" : "")
    }

    private static func anchor(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
