import KruispuntRDF
import KruispuntStore

/// The triples of a basic graph pattern that the observation index answers (see
/// `ObservationIndex`): those that start at one subject and follow the index's slots, whose
/// inner nodes are variables. The index's row for the subject binds them all at once.
struct ObservationPattern {
    /// The subject the triples start from.
    let root: PatternTerm
    /// The covered triples (by position in the pattern) and the slot each one reads.
    let covered: [Int: ObservationIndex.Slot]

    /// The largest group of at least two triples in `triples`, if any.
    static func find(in triples: [TriplePattern]) -> ObservationPattern? {
        var roots: [PatternTerm] = []
        for t in triples where slot(of: t, parent: nil) != nil && !roots.contains(t.subject) { roots.append(t.subject) }
        let groups = roots.map { match(root: $0, in: triples) }
        guard let best = groups.max(by: { $0.covered.count < $1.covered.count }), best.covered.count >= 2 else { return nil }
        return best
    }

    private static func match(root: PatternTerm, in triples: [TriplePattern]) -> ObservationPattern {
        var covered: [Int: ObservationIndex.Slot] = [:]
        // Where each slot's term is (a variable), so that its children can be found.
        var nodes: [String: [PatternTerm]] = [:]
        for slot in ObservationIndex.slots {
            let subjects: [PatternTerm] = slot.parent.map { nodes[$0] ?? [] } ?? [root]
            for (i, t) in triples.enumerated() where covered[i] == nil && subjects.contains(t.subject)
                && t.predicate == .term(.iri(slot.predicate)) {
                covered[i] = slot
                if t.object.variable != nil { nodes[slot.column, default: []].append(t.object) }
            }
        }
        return ObservationPattern(root: root, covered: covered)
    }

    private static func slot(of t: TriplePattern, parent: String?) -> ObservationIndex.Slot? {
        ObservationIndex.slots.first { $0.parent == parent && t.predicate == .term(.iri($0.predicate)) }
    }
}
