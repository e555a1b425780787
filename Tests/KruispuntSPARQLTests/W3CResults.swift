import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import KruispuntRDF

/// Expected answers of the W3C SPARQL tests, read from their files: SPARQL XML (`.srx`) and JSON
/// (`.srj`) results, result sets written in RDF (`rs:ResultSet`), and graphs.
enum W3CResults {
    enum Answer: Equatable {
        case bindings([String: Term]?, [[String: Term]])
        case boolean(Bool)
        case graph([Triple])
    }

    static let rs = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"

    static func read(_ url: URL) throws -> Answer {
        let data = try Data(contentsOf: url)
        switch url.pathExtension {
        case "srx": return try XMLResults(data).answer
        case "srj": return try json(data)
        case "ttl", "rdf", "nt":
            let syntax: RDFSyntax = url.pathExtension == "rdf" ? .rdfxml : url.pathExtension == "nt" ? .ntriples : .turtle
            let triples = try Raptor.shared.parse(String(decoding: data, as: UTF8.self), syntax: syntax, baseIRI: url.absoluteString).map(\.triple)
            if let set = resultSet(triples) { return set }
            return .graph(triples)
        default:
            throw NSError(domain: "W3C", code: 1, userInfo: [NSLocalizedDescriptionKey: "no reader for \(url.lastPathComponent)"])
        }
    }

    static func json(_ data: Data) throws -> Answer {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw NSError(domain: "W3C", code: 2) }
        if let b = root["boolean"] as? Bool { return .boolean(b) }
        let bindings = ((root["results"] as? [String: Any])?["bindings"] as? [[String: Any]]) ?? []
        return .bindings(nil, bindings.map { row in
            var out: [String: Term] = [:]
            for (name, value) in row {
                guard let v = value as? [String: String], let text = v["value"] else { continue }
                switch v["type"] {
                case "uri": out[name] = .iri(text)
                case "bnode": out[name] = .blank(text)
                default:
                    if let lang = v["xml:lang"] { out[name] = .lang(text, lang) }
                    else if let dt = v["datatype"] { out[name] = .typed(text, dt) }
                    else { out[name] = .string(text) }
                }
            }
            return out
        })
    }

    /// A result set described in RDF (the DAWG result-set vocabulary), if the graph is one.
    private static func resultSet(_ triples: [Triple]) -> Answer? {
        func objects(_ s: Term, _ p: String) -> [Term] { triples.filter { $0.subject == s && $0.predicate == .iri(p) }.map(\.object) }
        guard let set = triples.first(where: { $0.predicate == .iri(RDF.type) && $0.object == .iri(rs + "ResultSet") })?.subject else {
            return nil
        }
        if let b = objects(set, rs + "boolean").first { return .boolean(b.lexical == "true") }
        var rows: [(Int, [String: Term])] = []
        for solution in objects(set, rs + "solution") {
            var row: [String: Term] = [:]
            for binding in objects(solution, rs + "binding") {
                guard let name = objects(binding, rs + "variable").first?.lexical, let value = objects(binding, rs + "value").first else { continue }
                row[name] = value
            }
            let index = objects(solution, rs + "index").first.flatMap { Int($0.lexical) } ?? rows.count
            rows.append((index, row))
        }
        return .bindings(nil, rows.sorted { $0.0 < $1.0 }.map(\.1))
    }
}

/// SPARQL Query Results XML Format.
private final class XMLResults: NSObject, XMLParserDelegate {
    var answer: W3CResults.Answer = .bindings(nil, [])
    private var rows: [[String: Term]] = []
    private var row: [String: Term] = [:]
    private var name = "", kind = "", lang: String?, datatype: String?, text = ""
    private var boolean: Bool?

    init(_ data: Data) throws {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "W3C", code: 3) }
        answer = boolean.map { .boolean($0) } ?? .bindings(nil, rows)
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        text = ""
        switch element {
        case "result": row = [:]
        case "binding": name = attributes["name"] ?? ""
        case "uri", "literal", "bnode":
            kind = element
            lang = attributes["xml:lang"]
            datatype = attributes["datatype"]
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch element {
        case "uri": row[name] = .iri(text)
        case "bnode": row[name] = .blank(text)
        case "literal":
            if let lang { row[name] = .lang(text, lang) } else if let datatype { row[name] = .typed(text, datatype) } else { row[name] = .string(text) }
        case "result": rows.append(row)
        case "boolean": boolean = text.trimmingCharacters(in: .whitespacesAndNewlines) == "true"
        default: break
        }
    }
}
