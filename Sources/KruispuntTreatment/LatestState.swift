import KruispuntRDF
import KruispuntStore

/// The latest state of every observation, materialised from the event streams: the newest
/// version of each, under its stable IRI and in a graph of that name, without the version's own
/// metadata (`dct:isVersionOf`, `prov:generatedAtTime`, `sosa:resultTime`), and with blank nodes
/// named after the stable IRI. Withdrawn observations (a sparse cell that fell below the
/// threshold after it was published) are left out. For the same detections and parameters the
/// result is the same whatever batches, order or restarts led to it.
public enum LatestState {
    static let versionPredicates: Set<Term> = [.iri(DCT.isVersionOf), .iri(PROV.generatedAtTime), .iri(SOSA.resultTime)]

    /// Calls `body` with every quad of the latest state, observation by observation.
    public static func forEachQuad(on db: Connection, _ body: (Quad) throws -> Void) throws {
        let rows = try db.query("""
            SELECT l.member, b.lex FROM (SELECT DISTINCT ON (version_of) member, version_of FROM stream_members
                                         ORDER BY version_of, seq DESC) l
            JOIN terms b ON b.id = l.version_of ORDER BY b.lex
            """)
        let withdrawn = Set(try db.query("SELECT key FROM published_cells WHERE state = '-'").compactMap { $0[0] })
        var batch: [(Int64, String)] = []
        func flush() throws {
            let quads = try QuadStore.quads(inGraphIDs: batch.map(\.0), on: db)
            var byGraph: [Term: [Quad]] = [:]
            for q in quads { if let g = q.graph { byGraph[g, default: []].append(q) } }
            for quads in byGraph.values {
                guard let base = quads.first(where: { $0.predicate == .iri(DCT.isVersionOf) })?.object,
                      let member = quads.first?.graph else { continue }
                let tag = String(TermKey(base).uuid.replacingOccurrences(of: "-", with: "").prefix(20))
                func rename(_ t: Term) -> Term {
                    if t == member { return base }
                    if case .blank(let label) = t, let first = label.first { return .blank(String(first) + tag) }
                    return t
                }
                for q in quads where !versionPredicates.contains(q.predicate) {
                    try body(Quad(rename(q.subject), q.predicate, rename(q.object), base))
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        for row in rows {
            guard let id = row[0].flatMap(Int64.init), let base = row[1] else { continue }
            if let r = base.range(of: "/id/observation/"), withdrawn.contains(String(base[r.upperBound...])) { continue }
            batch.append((id, base))
            if batch.count == 5000 { try flush() }
        }
        if !batch.isEmpty { try flush() }
    }
}
