/// Writes TriG (raptor2 2.0.15 has no TriG serialiser): the default graph's triples first, then
/// one block per named graph, each statement in N-Triples form (valid Turtle, hence valid TriG).
public enum TriGWriter {
    public static func write(_ quads: [Quad]) -> String {
        var byGraph: [Term?: [Quad]] = [:]
        for q in quads { byGraph[q.graph, default: []].append(q) }
        var out = ""
        for q in byGraph[nil] ?? [] { NTriples.append(Quad(q.triple, graph: nil), to: &out) }
        for (graph, quads) in byGraph.compactMap({ g, qs in g.map { ($0, qs) } }).sorted(by: { $0.0 < $1.0 }) {
            out += graph.ntriples + " {\n"
            for q in quads {
                out += "  "
                NTriples.append(Quad(q.triple, graph: nil), to: &out)
            }
            out += "}\n"
        }
        return out
    }
}
