import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// The treatment's reads and writes in PostgreSQL: detections of a window, zones, the published
/// state of observations, and stream membership.
enum TreatmentStore {
    /// The bounds of the fingerprints (time-prefixed primary keys) of detections observed in [from, to) (UTC ms).
    static func fingerprintRange(from: Int64, to: Int64) -> (low: String, high: String) {
        (TermKey(high: UInt64(from) << 16, low: 0).uuid, TermKey(high: UInt64(to) << 16, low: 0).uuid)
    }

    /// The detections `d` observed in [from, to) (UTC ms), read through the time-prefixed primary
    /// key; with `condition`, only those it holds for.
    static func detections(from: Int64, to: Int64, on db: Connection, where condition: String? = nil) throws -> TreatmentInput {
        var input = TreatmentInput()
        let (low, high) = fingerprintRange(from: from, to: to)
        var failure: String?
        try db.copyOut("""
            COPY (SELECT d.camera_id, (extract(epoch FROM d.observed_at) * 1000)::bigint, encode(d.pseudonym, 'hex'),
                         d.speed_kmh, d.vehicle_class
                  FROM detections d WHERE d.fingerprint >= '\(low)' AND d.fingerprint < '\(high)'\(condition.map { " AND " + $0 } ?? "")) TO STDOUT
            """) { line in
            guard let row = parse(line, into: &input) else { failure = failure ?? String(decoding: line, as: UTF8.self); return }
            input.append(camera: row.camera, pseudonym: row.pseudonym, millis: row.millis, speed: row.speed, vehicleClass: row.vehicleClass)
        }
        if let failure { throw StoreError("unexpected detection row: \(failure.prefix(40))") }
        return input
    }

    private static func parse(_ line: UnsafeBufferPointer<UInt8>, into input: inout TreatmentInput)
        -> (camera: Int32, millis: Int64, pseudonym: Pseudonym, speed: Double?, vehicleClass: VehicleClass)? {
        var fields: [Range<Int>] = []
        fields.reserveCapacity(5)
        var start = 0
        for i in 0..<line.count where line[i] == 9 { fields.append(start..<i); start = i + 1 }
        fields.append(start..<line.count)
        guard fields.count == 5 else { return nil }
        let camera = input.cameraIndex(bytes: UnsafeBufferPointer(rebasing: line[fields[0]]))
        var ms: Int64 = 0, negative = false
        for i in fields[1] {
            if line[i] == 45 { negative = true; continue }
            ms = ms * 10 + Int64(line[i] - 48)
        }
        if negative { ms = -ms }
        guard fields[2].count == 32 else { return nil }
        var words: [UInt64] = [0, 0]
        for (n, i) in fields[2].enumerated() {
            let c = line[i]
            let v = c <= 57 ? c - 48 : c - 87
            words[n / 16] = words[n / 16] << 4 | UInt64(v)
        }
        var speed: Double?
        if !(fields[3].count == 2 && line[fields[3].lowerBound] == 92) {
            speed = Double(String(decoding: UnsafeBufferPointer(rebasing: line[fields[3]]), as: UTF8.self))
        }
        let c: VehicleClass
        switch line[fields[4].lowerBound] {
        case UInt8(ascii: "c"): c = .car
        case UInt8(ascii: "l"): c = .lightTruck
        case UInt8(ascii: "h"): c = .heavyTruck
        case UInt8(ascii: "b"): c = .bus
        case UInt8(ascii: "m"): c = .motorcycle
        default: c = .unknown
        }
        return (camera, ms, Pseudonym(high: words[0], low: words[1]), speed, c)
    }

    /// The zone registry with each zone's transit limit.
    static func zones(on db: Connection) throws -> (network: ZoneNetwork, transitLimits: [String: Int]) {
        var zones: [String: ZoneNetwork.Zone] = [:]
        var limits: [String: Int] = [:]
        for row in try db.query("SELECT zone_id, name, transit_limit_seconds, geojson FROM zones") {
            guard let id = row[0] else { continue }
            // An outline the import accepted converts; one that does not is left out of the graph.
            zones[id] = ZoneNetwork.Zone(id: id, name: row[1] ?? id, outline: row[3].flatMap { try? GeoJSONOutline.wkt(json: $0) })
            if let s = row[2].flatMap(Int.init) { limits[id] = s }
        }
        for row in try db.query("SELECT zone_id, camera_id, role FROM zone_cameras") {
            guard let z = row[0], let c = row[1], zones[z] != nil else { continue }
            zones[z]!.add(camera: c, role: row[2] ?? "inside")
        }
        return (ZoneNetwork(Array(zones.values)), limits)
    }

    /// Published state and version of the observations of one local day, by path.
    static func states(day: Int, on db: Connection) throws -> [String: (state: String, version: Int)] {
        var out: [String: (String, Int)] = [:]
        for row in try db.query("SELECT key, state, version FROM published_cells WHERE day = $1::date", [date(day)]) {
            guard let key = row[0], let state = row[1], let version = row[2].flatMap(Int.init) else { continue }
            out[key] = (state, version)
        }
        return out
    }

    /// Records the new state of observations (one row per path).
    static func saveStates(_ rows: [(path: String, day: Int, state: String, value: Double, version: Int)], on db: Connection) throws {
        if rows.isEmpty { return }
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS published_load (key text, day date, state text, value double precision,
                version integer) ON COMMIT DELETE ROWS;
            TRUNCATE published_load
            """)
        try db.copyIn("COPY published_load FROM STDIN") { send in
            var chunk = ""
            for r in rows {
                CopyText.append(r.path, to: &chunk)
                chunk += "\t" + date(r.day) + "\t"
                CopyText.append(r.state, to: &chunk)
                chunk += "\t\(r.value)\t\(r.version)\n"
                if chunk.utf8.count > 60_000 { try send(chunk); chunk = "" }
            }
            if !chunk.isEmpty { try send(chunk) }
        }
        try db.execute("""
            INSERT INTO published_cells (key, day, state, value, version) SELECT key, day, state, value, version FROM published_load
            ON CONFLICT (key) DO UPDATE SET state = excluded.state, value = excluded.value, version = excluded.version
            """)
    }

    /// `YYYY-MM-DD` of a day number.
    static func date(_ day: Int) -> String { String(BrusselsTime.format(BrusselsTime.dayStart(day)).prefix(10)) }

    /// The day number of `YYYY-MM-DD`.
    static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return XSDDateTime.daysFromCivil(parts[0], parts[1], parts[2])
    }
}
