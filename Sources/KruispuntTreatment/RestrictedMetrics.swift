import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// Computes the restricted (scenario-2) metrics of one local day from its detections joined with
/// the pseudonymised vehicle-registry extract, under the same small-count rules as scenario 1.
///
/// - nationality mix per camera x hour/day: the registry's country, else the plate's as read;
///   per zone x hour/day over the passages at the zone's entry cameras (its entering vehicles);
/// - vehicle category (EU group) x camera vehicle class per camera x hour/day;
/// - vehicle age (years since first registration, binned) and Euro class per camera x day;
/// - heavy through traffic per zone x hour/day: scenario 1's through traffic of the vehicles the
///   registry lists as N2/N3 (for those it does not list: classified heavy_truck by a camera);
/// - LEZ compliance per zone x hour: the share of distinct registered vehicles entering the zone
///   that its rules allow (a fuel without a rule is allowed; a petrol or diesel vehicle without a
///   Euro class is not); withheld when fewer than k vehicles, or between 1 and k-1 of either kind;
/// - recurring vehicles per zone x week (`weekCells`): distinct vehicles seen in the zone on 1,
///   2-4 or 5+ distinct days; only when pseudonyms link a whole week (`--key-rotation week`).
///
/// Each mix of a camera and bucket adds up to that camera's published vehicle count, and the hours
/// to the day: the protection treats those as sum relations, with the open cells fixed.
public struct RestrictedMetrics: Sendable {
    public let parameters: TreatmentParameters
    public let zones: ZoneNetwork

    public init(parameters: TreatmentParameters, zones: ZoneNetwork) {
        self.parameters = parameters
        self.zones = zones
    }

    /// Why recurring vehicles cannot be computed under a key rotation (nil: they can).
    public static func recurringRefusal(_ rotation: KeyRotation) -> String? {
        rotation == .day
            ? "recurring vehicles need pseudonyms that link a whole week (--key-rotation week): under daily rotation a vehicle is a new one every day"
            : nil
    }

    /// The protected restricted cells of `day`; `open` are the day's protected scenario-1 cells.
    public func cells(day: Int, open: [Cell], on db: Connection) throws -> [Cell] {
        let dayStart = BrusselsTime.dayStart(day), dayEnd = BrusselsTime.dayStart(day + 1)
        let daySpan = (dayStart, dayEnd)
        let year = XSDDateTime.civilFromDays(day).year
        var counts: [CellKey: Int] = [:]
        func add(_ m: Metric, _ f: Feature, hour: Int64, q: Int, _ n: Int) {
            counts[CellKey(m, f, .hour, start: hour, end: hour + 3_600_000, qualifier: q), default: 0] += n
            counts[CellKey(m, f, .day, start: daySpan.0, end: daySpan.1, qualifier: q), default: 0] += n
        }
        let entryZones = zones.entryZones
        let (low, high) = TreatmentStore.fingerprintRange(from: dayStart, to: dayEnd)
        for r in try db.query("""
            SELECT d.camera_id, (extract(epoch FROM date_trunc('hour', d.observed_at)) * 1000)::bigint,
                   coalesce(r.country, d.nationality), r.category, d.vehicle_class, r.euro_class, r.fuel,
                   r.first_registration_year, count(*)
            FROM detections d LEFT JOIN vehicle_registry r ON r.pseudonym = d.pseudonym
            WHERE d.fingerprint >= $1::uuid AND d.fingerprint < $2::uuid
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            """, [low, high]) {
            guard let camera = r[0], let hour = r[1].flatMap(Int64.init), let n = r[8].flatMap(Int.init),
                  hour >= dayStart, hour < dayEnd else { continue }
            let f = Feature.camera(camera)
            let vehicleClass = VehicleClass(rawValue: r[4] ?? "") ?? .unknown
            add(.nationality, f, hour: hour, q: RestrictedQualifier.nationality(r[2] ?? ""), n)
            add(.vehicleCategory, f, hour: hour, q: RestrictedQualifier.category(r[3]) * 10 + Int(vehicleClass.code), n)
            add(.vehicleAge, f, hour: hour, q: RestrictedQualifier.ageBin(firstRegistration: r[7].flatMap(Int.init), now: year), n)
            add(.euroClass, f, hour: hour, q: RestrictedQualifier.euroClass(r[5], fuel: r[6]), n)
            for zone in entryZones[camera] ?? [] {
                add(.nationality, .zone(zone), hour: hour, q: RestrictedQualifier.nationality(r[2] ?? ""), n)
            }
        }
        var cells = counts.compactMap { key, n -> Cell? in
            // Age and Euro class per day only: hourly age and emission profiles of a camera would
            // single out the few old or foreign vehicles of a quiet hour.
            if key.bucket == .hour && (key.metric == .vehicleAge || key.metric == .euroClass) { return nil }
            return Cell(key: key, value: Double(n), support: n)
        }
        cells += try heavyTransit(day: day, on: db)
        cells += try lezCompliance(day: day, on: db)
        // The open totals the mixes add up to, decided already.
        let totals = open.filter { $0.key.metric == .vehicleCount || $0.key.metric == .entering }
        var all = cells + totals
        Suppression(minimumCount: parameters.minimumCount, zones: zones).apply(to: &all) { !$0.key.metric.isRestricted }
        return all.filter { $0.key.metric.isRestricted }
    }

    /// Scenario 1's through traffic, computed over the heavy vehicles alone.
    func heavyTransit(day: Int, on db: Connection) throws -> [Cell] {
        guard !zones.zones.isEmpty else { return [] }
        let from = BrusselsTime.dayStart(day), to = BrusselsTime.dayStart(day + 1) + parameters.lookaheadMillis
        let (low, high) = TreatmentStore.fingerprintRange(from: from, to: to)
        let input = try TreatmentStore.detections(from: from, to: to, on: db, where: """
            (d.pseudonym IN (SELECT pseudonym FROM vehicle_registry WHERE category IN ('N2', 'N3'))
             OR (d.pseudonym NOT IN (SELECT pseudonym FROM vehicle_registry)
                 AND d.pseudonym IN (SELECT pseudonym FROM detections WHERE fingerprint >= '\(low)' AND fingerprint < '\(high)'
                                                                         AND vehicle_class = 'heavy_truck')))
            """)
        guard input.count > 0 else { return [] }
        return DayMetrics(parameters: parameters, zones: zones).cells(day: day, input: input)
            .filter { $0.key.metric == .transit && $0.value > 0 }
            .map { Cell(key: CellKey(.heavyTransit, $0.key.feature, $0.key.bucket, start: $0.key.start, end: $0.key.end), value: $0.value, support: $0.support) }
    }

    /// The share of registered vehicles entering each zone with rules that the rules allow, per hour.
    func lezCompliance(day: Int, on db: Connection) throws -> [Cell] {
        let rules = try LEZRules.all(on: db)
        guard !rules.isEmpty else { return [] }
        let date = TreatmentStore.date(day)
        let dayStart = BrusselsTime.dayStart(day), dayEnd = BrusselsTime.dayStart(day + 1)
        // The rule in force on the day, per zone and fuel.
        var inForce: [String: [String: String?]] = [:]
        for r in rules where r.validFrom <= date { inForce[r.zone, default: [:]][r.fuel] = r.minimumEuro }
        let zonesWithRules = Set(rules.map(\.zone))
        let (low, high) = TreatmentStore.fingerprintRange(from: dayStart, to: dayEnd)
        var tallies: [CellKey: (allowed: Int, refused: Int)] = [:]
        for r in try db.query("""
            SELECT z.zone_id, (extract(epoch FROM date_trunc('hour', d.observed_at)) * 1000)::bigint, r.fuel, r.euro_class,
                   count(DISTINCT d.pseudonym)
            FROM detections d JOIN zone_cameras z ON z.camera_id = d.camera_id AND z.role = 'entry'
            JOIN vehicle_registry r ON r.pseudonym = d.pseudonym
            WHERE d.fingerprint >= $1::uuid AND d.fingerprint < $2::uuid AND z.zone_id = ANY($3::text[])
            GROUP BY 1, 2, 3, 4
            """, [low, high, PostgresArray.text(zonesWithRules.sorted())]) {
            guard let zone = r[0], let hour = r[1].flatMap(Int64.init), let fuel = r[2], let n = r[4].flatMap(Int.init),
                  hour >= dayStart, hour < dayEnd else { continue }
            let key = CellKey(.lezCompliance, .zone(zone), .hour, start: hour, end: hour + 3_600_000)
            var t = tallies[key] ?? (0, 0)
            if Self.allowed(fuel: fuel, euro: r[3], rule: inForce[zone]?[fuel]) { t.allowed += n } else { t.refused += n }
            tallies[key] = t
        }
        let k = parameters.minimumCount
        return tallies.map { key, t in
            let n = t.allowed + t.refused
            // A share also tells how many vehicles were (not) allowed: both must be 0 or at least k.
            let safe = n >= k && (t.refused == 0 || t.refused >= k) && (t.allowed == 0 || t.allowed >= k)
            return Cell(key: key, value: Double(t.allowed) / Double(max(n, 1)), support: safe ? n : 0)
        }
    }

    /// Whether a vehicle may enter under a rule (`.none`: no rule for its fuel; `.some(nil)`: banned).
    static func allowed(fuel: String, euro: String?, rule: String??) -> Bool {
        guard let rule else { return true }
        guard let minimum = rule else { return false }
        if fuel == "electric" || fuel == "hydrogen" { return true }
        let order = ["0", "1", "2", "3", "4", "5", "6", "6d"]
        guard let euro, let have = order.firstIndex(of: euro), let need = order.firstIndex(of: minimum) else { return false }
        return have >= need
    }

    /// Recurring vehicles of the local week starting on Monday `monday`, per zone.
    public func weekCells(monday: Int, on db: Connection) throws -> [Cell] {
        guard Self.recurringRefusal(parameters.keyRotation) == nil, !zones.zones.isEmpty else { return [] }
        let from = BrusselsTime.dayStart(monday), to = BrusselsTime.dayStart(monday + 7)
        let (low, high) = TreatmentStore.fingerprintRange(from: from, to: to)
        var counts: [CellKey: Int] = [:]
        for r in try db.query("""
            SELECT zone_id, days, count(*) FROM (
                SELECT z.zone_id, d.pseudonym, count(DISTINCT (d.observed_at AT TIME ZONE 'Europe/Brussels')::date) AS days
                FROM detections d JOIN (SELECT DISTINCT zone_id, camera_id FROM zone_cameras) z ON z.camera_id = d.camera_id
                WHERE d.fingerprint >= $1::uuid AND d.fingerprint < $2::uuid GROUP BY 1, 2) v
            GROUP BY 1, 2
            """, [low, high]) {
            guard let zone = r[0], let days = r[1].flatMap(Int.init), let n = r[2].flatMap(Int.init) else { continue }
            counts[CellKey(.recurringVehicles, .zone(zone), .week, start: from, end: to, qualifier: RestrictedQualifier.dayBin(days)), default: 0] += n
        }
        var cells = counts.map { Cell(key: $0.key, value: Double($0.value), support: $0.value) }
        Suppression(minimumCount: parameters.minimumCount, zones: zones).apply(to: &cells)
        return cells
    }
}
