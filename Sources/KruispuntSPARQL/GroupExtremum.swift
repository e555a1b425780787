/// A query that groups observations by sensor (or feature of interest) and asks only for the
/// earliest or latest start of each group ("latest value per camera"): `MIN`, `MAX` or `SAMPLE`
/// of one variable, read from the observation index's `start` slot, over a basic pattern the
/// index covers.
///
/// The extremes of a group lie among few rows: those whose start has no instant (they sort
/// before or after every instant, see `QueryCompiler.sortKeys`) and those at the group's
/// earliest or latest instant. The index `(sensor, start_t)` finds them per group with a few
/// probes, instead of reading every row. The aggregates then run unchanged over these
/// candidates, so their results are the same term as over all rows.
struct GroupExtremum {
    /// The grouped variable and the aggregated one.
    let group: String
    let value: String
    /// Which ends of the order the aggregates read.
    let earliest: Bool
    let latest: Bool

    /// The index columns a group may be keyed on (each has an index with `start_t`).
    static let keyColumns = ["sensor", "feature"]

    /// The shape, when `query` has it: one grouped variable, no HAVING, every aggregate in the
    /// projection and the ORDER BY a `MIN`, `MAX` or `SAMPLE` of the same variable, over a
    /// basic graph pattern alone (a FILTER or OPTIONAL would change which rows count), or joined
    /// with a VALUES list of the grouped variable (which keeps whole groups: "the latest
    /// observation of these cameras").
    static func find(_ query: SPARQLQuery, projection: [SPARQLQuery.Projection]) -> GroupExtremum? {
        guard query.having.isEmpty, query.groupBy.count == 1,
              let key = query.groupBy.first, key.expression == nil else { return nil }
        let group = key.variable
        func keyValues(_ p: GraphPattern) -> Bool {
            if case .values(let variables, let rows) = p { return variables == [group] && rows.allSatisfy { $0.allSatisfy { $0 != nil } } }
            return false
        }
        switch query.pattern {
        case .bgp: break
        case .join(.bgp, let b) where keyValues(b): break
        case .join(let a, .bgp) where keyValues(a): break
        default: return nil
        }
        var value: String?, earliest = false, latest = false
        func visit(_ e: Expression) -> Bool {
            switch e {
            case .aggregate(let name, let argument, _, _):
                guard case .variable(let v)? = argument, ["MIN", "MAX", "SAMPLE"].contains(name), value == nil || value == v else { return false }
                value = v
                if name != "MAX" { earliest = true }
                if name != "MIN" { latest = true }
                return true
            case .variable(let v): return v == key.variable
            case .constant: return true
            case .bound(let v): return v == key.variable
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
                return visit(a) && visit(b)
            case .not(let a), .negate(let a): return visit(a)
            case .function(_, let args): return args.allSatisfy(visit)
            case .in(let a, let list, _): return visit(a) && list.allSatisfy(visit)
            }
        }
        for p in projection {
            if let e = p.expression { guard visit(e) else { return nil } } else { guard p.variable == key.variable else { return nil } }
        }
        guard query.orderBy.allSatisfy({ visit($0.expression) }), let value, value != key.variable else { return nil }
        return GroupExtremum(group: key.variable, value: value, earliest: earliest, latest: latest)
    }

    /// The candidate rows of the index (alias `j`, every column) for the pattern's `conditions`
    /// on `j`, when the group is keyed on the index column `key` and the value is the start.
    func candidates(_ j: String, key: String, conditions: [String]) -> String {
        let k = "\(j)_k", where_ = (conditions + ["\(j).\(key) = \(k).key"]).joined(separator: " AND ")
        func end(_ direction: String) -> String {
            """
            SELECT \(j).* FROM observation_rows \(j) WHERE \(where_) AND \(j).start_t = (SELECT \(j).start_t FROM observation_rows \(j) \
            WHERE \(where_) AND \(j).start_t IS NOT NULL ORDER BY \(j).start_t \(direction) LIMIT 1)
            """
        }
        var parts = ["SELECT \(j).* FROM observation_rows \(j) WHERE \(where_) AND \(j).start_t IS NULL"]
        if earliest { parts.append(end("ASC")) }
        if latest { parts.append(end("DESC")) }
        // The groups' keys, one index probe each (a loose index scan).
        let keys = """
            WITH RECURSIVE \(k) (key) AS ((SELECT \(key) FROM observation_rows WHERE \(key) IS NOT NULL ORDER BY \(key) LIMIT 1) \
            UNION ALL SELECT (SELECT \(key) FROM observation_rows WHERE \(key) > \(k).key ORDER BY \(key) LIMIT 1) FROM \(k) \
            WHERE \(k).key IS NOT NULL) SELECT key FROM \(k) WHERE key IS NOT NULL
            """
        return "(\(keys)) \(k) CROSS JOIN LATERAL (\(parts.joined(separator: " UNION ALL "))) \(j)"
    }
}
