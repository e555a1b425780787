/// Stable blank-node labels: every blank node is named after a hash of the quads around it,
/// refined round by round with the hashes of its blank neighbours (colour refinement, as in the
/// first steps of RDFC-1.0). Two isomorphic datasets get the same labels, so their sorted
/// N-Quads are byte-identical, however their blank nodes were labelled before. Blank nodes no
/// refinement can tell apart (symmetric positions) are numbered in the order of their quads'
/// text, which is exact for the tree-shaped blank nodes Kruispunt writes.
///
/// ```swift
/// let stable = CanonicalLabels.relabel(quads)   // _:c3f09e1a2b4c5d6e7 ...
/// ```
public enum CanonicalLabels {
    public static func relabel(_ quads: [Quad]) -> [Quad] {
        var hashes: [String: (UInt64, UInt64)] = [:]
        var mentions: [String: [Int]] = [:]
        for (i, q) in quads.enumerated() {
            for t in [q.subject, q.object, q.graph] { if case .blank(let b)? = t { mentions[b, default: []].append(i) } }
        }
        if mentions.isEmpty { return quads }
        for b in mentions.keys { hashes[b] = (0, 0) }
        var classes = 1
        for _ in 0..<16 {
            var next: [String: (UInt64, UInt64)] = [:]
            for (b, indexes) in mentions {
                var lines = Set<String>()          // a quad that mentions b twice counts once
                for i in indexes { lines.insert(signature(quads[i], of: b, hashes: hashes)) }
                next[b] = hash(lines.sorted().joined(separator: "\n"), seed: hashes[b]!.0)
            }
            let count = Set(next.values.map { "\($0.0)-\($0.1)" }).count
            hashes = next
            if count == classes { break }
            classes = count
        }
        // Ties: numbered by the text of their quads under the final hashes.
        var byHash: [String: [String]] = [:]
        for (b, h) in hashes { byHash[Hex.word(h.0) + Hex.word(h.1), default: []].append(b) }
        var labels: [String: String] = [:]
        for (h, nodes) in byHash {
            let label = "c" + String(h.prefix(16))
            if nodes.count == 1 { labels[nodes[0]] = label; continue }
            var keyed: [(node: String, text: String)] = []
            for b in nodes {
                let lines: [String] = mentions[b]!.map { signature(quads[$0], of: b, hashes: hashes) }
                keyed.append((b, lines.sorted().joined(separator: "\n")))
            }
            keyed.sort { a, c in a.text != c.text ? a.text < c.text : a.node < c.node }
            for (n, entry) in keyed.enumerated() { labels[entry.node] = label + "n" + String(n) }
        }
        func map(_ t: Term) -> Term { if case .blank(let b) = t { return .blank(labels[b]!) }; return t }
        return quads.map { Quad(map($0.subject), $0.predicate, map($0.object), $0.graph.map(map)) }
    }

    /// The quad in N-Quads with `b` as `_:a` and every other blank node as its current hash.
    private static func signature(_ q: Quad, of b: String, hashes: [String: (UInt64, UInt64)]) -> String {
        func name(_ t: Term) -> Term {
            guard case .blank(let x) = t else { return t }
            if x == b { return .blank("a") }
            let h = hashes[x]!
            return .blank("h" + Hex.word(h.0) + Hex.word(h.1))
        }
        var line = ""
        NTriples.append(Quad(name(q.subject), q.predicate, name(q.object), q.graph.map(name)), to: &line)
        return line
    }

    private static func hash(_ text: String, seed: UInt64) -> (UInt64, UInt64) {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { Murmur3.hash128($0, seed: seed) }
    }
}
