import KruispuntANPR

/// Small-count protection of one day's cells, provably free of differencing.
///
/// Primary suppression: a count v with 0 < v < k, a statistic resting on fewer than k vehicles.
/// Complementary suppression: for every sum relation the platform publishes (total = sum of
/// parts), whenever the total is published, the hidden parts must be none, or at least two that
/// add up to k or more; whenever the total is hidden, at least one positive part must be hidden
/// too. Then no relation has exactly one unknown, so no hidden cell can be solved from a single
/// published sum, and nothing an attacker subtracts is between 1 and k-1. Violations are
/// repaired greedily, in a fixed order, by hiding as few more cells as possible (the smallest
/// parts first; the total when that costs fewer cells).
///
/// The sum relations:
/// - the hourly cells of a feature and local day -> its daily cell (vehicle counts, vehicle types,
///   flows, entering vehicles, through traffic);
/// - the vehicle-type cells of a camera and bucket -> that camera's vehicle count;
/// - the travel-time bins of a pair and day -> that pair's daily flow;
/// - the daily flows of the camera pairs between two zones -> the zone pair's daily flow;
/// - the vehicle counts of a zone's entry cameras -> the zone's entering vehicles;
/// - restricted: the hourly nationality, category and heavy through-traffic cells -> their daily
///   cell; each mix (nationality, category, age, Euro class) of a camera and bucket -> that
///   camera's vehicle count; a zone's nationality mix -> its entering vehicles. The open cells are then `fixed`: decided already, never hidden again.
public struct Suppression: Sendable {
    public let minimumCount: Int
    public let zones: ZoneNetwork

    public init(minimumCount: Int, zones: ZoneNetwork) {
        self.minimumCount = max(1, minimumCount)
        self.zones = zones
    }

    /// A total and the cells it is the sum of (indices into the cell array).
    public struct Relation: Sendable, Hashable {
        public let total: Int
        public let parts: [Int]
    }

    /// Decides the publication of every cell (sorted by key on return); `fixed` cells keep the
    /// publication they have and are never chosen to repair a relation.
    public func apply(to cells: inout [Cell], fixed: (Cell) -> Bool = { _ in false }) {
        if zip(cells, cells.dropFirst()).contains(where: { !($0.key < $1.key) }) { cells.sort { $0.key < $1.key } }
        let k = minimumCount
        let isFixed = cells.map(fixed)
        for i in cells.indices where !isFixed[i] {
            let c = cells[i]
            let small = c.key.metric.isCount ? (c.support > 0 && c.support < k) : c.support < k
            cells[i].publication = small ? .primarySuppressed : .published
        }
        guard k > 1 else { return }
        let relations = Self.relations(of: cells, zones: zones)
        var memberships = [[Int]](repeating: [], count: cells.count)
        for (n, r) in relations.enumerated() {
            memberships[r.total].append(n)
            for p in r.parts { memberships[p].append(n) }
        }
        var changed = true
        while changed {
            changed = false
            for r in relations where violated(r, cells) {
                if repair(r, relations: relations, memberships: memberships, isFixed: isFixed, in: &cells) { changed = true }
            }
        }
    }

    /// Whether a relation lets an attacker learn something: a published total with exactly one
    /// hidden part or hidden parts adding up to less than k; a hidden total whose parts are all published.
    func violated(_ r: Relation, _ cells: [Cell]) -> Bool {
        var hidden = 0, rest = 0.0, published = 0
        for p in r.parts where cells[p].value > 0 {
            if cells[p].isPublished { published += 1 } else { hidden += 1; rest += cells[p].value }
        }
        if cells[r.total].isPublished { return hidden > 0 && (hidden < 2 || rest < Double(minimumCount)) }
        return cells[r.total].value > 0 && hidden == 0 && published > 0
    }

    /// Hides the set of cells that repairs `r` at the lowest cost: the cells hidden plus the
    /// relations that hiding them would newly break (a one-step look-ahead); ties go to the
    /// smallest values, then to the key order.
    /// Returns false when every option would hide a fixed cell (nothing changed).
    private func repair(_ r: Relation, relations: [Relation], memberships: [[Int]], isFixed: [Bool], in cells: inout [Cell]) -> Bool {
        let k = Double(minimumCount)
        var options: [[Int]] = []
        let published = r.parts.filter { cells[$0].isPublished && cells[$0].value > 0 }
        if cells[r.total].isPublished {
            let hidden = r.parts.filter { !cells[$0].isPublished && cells[$0].value > 0 }
            let rest = hidden.reduce(0.0) { $0 + cells[$1].value }
            options.append([r.total])
            // One more part, when one is enough.
            for p in published where rest + cells[p].value >= k { options.append([p]) }
            // Else the smallest parts until the hidden ones reach k.
            if options.count == 1 {
                var added: [Int] = [], sum = rest
                for p in published.sorted(by: { (cells[$0].value, cells[$0].key) < (cells[$1].value, cells[$1].key) }) where sum < k || hidden.count + added.count < 2 {
                    added.append(p)
                    sum += cells[p].value
                }
                if sum >= k && hidden.count + added.count >= 2 { options.append(added) }
            }
        } else {
            for p in published { options.append([p]) }
        }
        var best: [Int]?
        var bestCost: (Int, Double, CellKey)?
        for option in options where !option.contains(where: { isFixed[$0] }) {
            let touched = Set(option.flatMap { memberships[$0] })
            let before = touched.filter { violated(relations[$0], cells) }
            let saved = option.map { cells[$0].publication }
            for c in option { cells[c].publication = .complementarySuppressed }
            let broken = touched.filter { !before.contains($0) && violated(relations[$0], cells) }.count
            for (c, p) in zip(option, saved) { cells[c].publication = p }
            let cost = (option.count + broken, option.reduce(0.0) { $0 + cells[$1].value }, cells[option[0]].key)
            if bestCost == nil || cost < bestCost! { best = option; bestCost = cost }
        }
        for c in best ?? [] { cells[c].publication = .complementarySuppressed }
        return best != nil
    }

    /// Every sum relation among `cells` (sorted by key), in a fixed order.
    public static func relations(of cells: [Cell], zones: ZoneNetwork) -> [Relation] {
        var index: [CellKey: Int] = [:]
        for (i, c) in cells.enumerated() { index[c.key] = i }
        var groups: [Int: [Int]] = [:]
        func dayKey(_ k: CellKey, metric: Metric? = nil, feature: Feature? = nil, qualifier: Int? = nil) -> CellKey {
            let day = BrusselsTime.localDay(k.start)
            return CellKey(metric ?? k.metric, feature ?? k.feature, .day, start: BrusselsTime.dayStart(day),
                           end: BrusselsTime.dayStart(day + 1), qualifier: qualifier ?? k.qualifier)
        }
        let entryZones = zones.entryZones
        var memberZones: [String: [String]] = [:]
        for zone in zones.zones { for c in zone.cameras { memberZones[c, default: []].append(zone.id) } }
        for (i, c) in cells.enumerated() {
            let key = c.key
            // Hours -> day.
            if key.bucket == .hour, [.vehicleCount, .vehicleType, .flow, .entering, .transit, .nationality, .vehicleCategory,
                                     .heavyTransit].contains(key.metric),
               let total = index[dayKey(key)] {
                groups[total, default: []].append(i)
            }
            switch (key.metric, key.feature) {
            case (.nationality, .zone):
                if let total = index[CellKey(.entering, key.feature, key.bucket, start: key.start, end: key.end)] {
                    groups[total, default: []].append(i)
                }
            case (.vehicleType, _), (.nationality, _), (.vehicleCategory, _), (.vehicleAge, _), (.euroClass, _):
                if let total = index[CellKey(.vehicleCount, key.feature, key.bucket, start: key.start, end: key.end)] {
                    groups[total, default: []].append(i)
                }
            case (.travelTimeBin, _):
                if let total = index[CellKey(.flow, key.feature, .day, start: key.start, end: key.end)] {
                    groups[total, default: []].append(i)
                }
            case (.flow, .flow(let a, let b)) where key.bucket == .day:
                for x in memberZones[a] ?? [] {
                    for y in memberZones[b] ?? [] where x != y {
                        if let total = index[CellKey(.flow, .zoneFlow(x, y), .day, start: key.start, end: key.end)] {
                            groups[total, default: []].append(i)
                        }
                    }
                }
            case (.vehicleCount, .camera(let a)):
                for z in entryZones[a] ?? [] {
                    if let total = index[CellKey(.entering, .zone(z), key.bucket, start: key.start, end: key.end)] {
                        groups[total, default: []].append(i)
                    }
                }
            default: break
            }
        }
        // A total can head several relations of different kinds: keep them apart.
        var relations: [Relation] = []
        for (total, parts) in groups.sorted(by: { $0.key < $1.key }) {
            var kinds: [String: [Int]] = [:]
            for p in parts {
                let pk = cells[p].key
                let kind = "\(pk.metric.rawValue)-\(pk.bucket.rawValue)"
                kinds[kind, default: []].append(p)
            }
            for (_, ps) in kinds.sorted(by: { $0.key < $1.key }) { relations.append(Relation(total: total, parts: ps.sorted())) }
        }
        return relations
    }
}
