import Foundation

/// Reads an RDF file in any syntax Kruispunt accepts: JSON-LD with `JSONLDReader` (the whole
/// document in memory, as JSON requires), everything else streamed through raptor2.
public enum RDFFile {
    /// Parses `path`, handing the quads to `handle` in batches. `jsonldContexts` are the remote
    /// JSON-LD contexts a document may refer to (URL: document text).
    public static func parse(path: String, syntax: RDFSyntax, baseIRI: String, jsonldContexts: [String: String] = [:],
                             batch: Int = 100_000, _ handle: ([Quad]) throws -> Void) throws {
        guard syntax == .jsonld else {
            return try Raptor.shared.parse(file: path, syntax: syntax, baseIRI: baseIRI, batch: batch, handle)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw RDFSyntaxError("cannot open \(path)") }
        let quads = try JSONLDReader(baseIRI: baseIRI, contexts: jsonldContexts).read(data)
        var start = 0
        while start < quads.count {
            try handle(Array(quads[start..<min(start + batch, quads.count)]))
            start += batch
        }
    }
}
