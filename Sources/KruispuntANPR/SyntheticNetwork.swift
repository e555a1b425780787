import Foundation
import KruispuntRDF

/// A deterministic synthetic ANPR network: cameras around a city centre and vehicles making trips
/// through them with a realistic daily profile. Writes canonical detection CSV.
///
/// ```swift
/// let network = SyntheticNetwork(cameras: 8, vehicles: 400, days: 2, startDay: "2026-10-24", seed: 7)
/// try network.write { line in print(line, terminator: "") }
/// ```
public struct SyntheticNetwork: Sendable {
    public var cameraCount: Int
    public var vehicleCount: Int
    public var days: Int
    /// The first local day, `YYYY-MM-DD`.
    public var startDay: String
    public var seed: UInt64
    /// Centre of the network (default: Mechelen, Grote Markt).
    public var centre = (latitude: 51.0279, longitude: 4.4803)

    public init(cameras: Int, vehicles: Int, days: Int, startDay: String, seed: UInt64) {
        self.cameraCount = max(2, cameras)
        self.vehicleCount = max(1, vehicles)
        self.days = max(1, days)
        self.startDay = startDay
        self.seed = seed
    }

    /// A camera of the network.
    public struct Camera: Sendable {
        public let id: String
        public let latitude: Double
        public let longitude: Double
    }

    /// The cameras: on a ring of about 1.5 km around the centre.
    public var cameras: [Camera] {
        (0..<cameraCount).map { i in
            let angle = Double(i) / Double(cameraCount) * 2 * Double.pi
            let r = 0.012 + 0.004 * Double(i % 3)
            return Camera(id: String(31_001 + i),
                          latitude: ((centre.latitude + r * sin(angle)) * 1e6).rounded() / 1e6,
                          longitude: ((centre.longitude + 1.6 * r * cos(angle)) * 1e6).rounded() / 1e6)
        }
    }

    /// Relative traffic per local hour of the day (morning and evening peaks, quiet nights).
    static let hourProfile: [Double] = [3, 2, 2, 2, 3, 5, 9, 15, 17, 11, 9, 9, 10, 10, 10, 11, 14, 16, 12, 9, 7, 6, 5, 4]

    /// Generates the CSV (header first), handing out chunks of text.
    public func write(_ emit: (String) throws -> Void) throws {
        guard let first = XSDDateTime(startDay + "T00:00:00Z") else {
            throw IngestError("--start must be a date YYYY-MM-DD, not \"\(startDay)\"")
        }
        let firstDay = Int(first.epochMillis / 86_400_000)
        var rng = SplitMix64(seed: seed)
        let cams = cameras
        let plates = (0..<vehicleCount).map { _ in rng.hex(64) }
        let types = ["personenwagen", "personenwagen", "personenwagen", "personenwagen", "personenwagen",
                     "personenwagen", "bestelwagen", "bestelwagen", "vrachtwagen", "motorfiets", "bus"]
        // Mostly Belgian, written the ways exports write it (alpha-2, alpha-3, distinguishing sign).
        let nationalities = ["BE"] * 12 + ["B"] * 3 + ["BEL"] * 3 + ["NL", "F", "D", "GB"]
        let cumulative = Self.hourProfile.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
        try emit(DetectionColumns.header.joined(separator: ",") + "\n")
        for day in firstDay..<(firstDay + days) {
            // A day's detections are written in chronological order, as exports are.
            var rows: [(t: Int64, line: String)] = []
            let dayStart = BrusselsTime.dayStart(day)
            let dayLength = BrusselsTime.dayStart(day + 1) - dayStart
            for v in 0..<vehicleCount {
                let type = types[Int(rng.next() % UInt64(types.count))]
                let nationality = nationalities[v % nationalities.count]
                let trips = Int(rng.next() % 4)
                for _ in 0..<trips {
                    // Departure: a local hour drawn from the profile, then a uniform minute.
                    let x = rng.unit() * cumulative.last!
                    let hour = cumulative.firstIndex(where: { $0 >= x }) ?? 12
                    var t = dayStart + Int64(hour) * 3_600_000 + Int64(rng.unit() * 3_600_000)
                    // On a 25-hour day both 02:00 hours exist; on a 23-hour day local hours shift.
                    t = min(t, dayStart + dayLength - 1)
                    var camera = Int(rng.next() % UInt64(cams.count))
                    let stops = 2 + Int(rng.next() % 3)
                    for _ in 0..<stops where t < dayStart + dayLength {
                        // Trips end at midnight, so that every generated day is complete and no
                        // day beyond the requested ones holds a handful of detections.
                        let c = cams[camera]
                        let speed = type == "vrachtwagen" ? 30 + rng.unit() * 30 : 25 + rng.unit() * 45
                        let zulu = rng.next() % 5 == 0
                        let offset = zulu ? 0 : BrusselsTime.offsetMinutes(atEpochMillis: t)
                        var line = c.id + ",BO-" + String(1 + camera % 3) + ","
                        line += XSDDateTime.format(epochMillis: t, offsetMinutes: offset, zulu: zulu, alwaysMillis: true)
                        line += ",\(c.latitude),\(c.longitude),\(plates[v]),\(nationality),"
                        line += String(Int(speed)) + "," + type + "\n"
                        rows.append((t, line))
                        camera = (camera + 1 + Int(rng.next() % 2)) % cams.count
                        t += 120_000 + Int64(rng.unit() * 600_000)
                    }
                }
            }
            rows.sort { $0.t < $1.t }
            var out = ""
            for row in rows {
                out += row.line
                if out.utf8.count > 1 << 16 { try emit(out); out = "" }
            }
            if !out.isEmpty { try emit(out) }
        }
    }
}

private func * (lhs: [String], rhs: Int) -> [String] { Array(repeating: lhs, count: rhs).flatMap { $0 } }

/// SplitMix64: a small, fast, deterministic pseudo-random generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// A double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// `count` lowercase hex digits.
    public mutating func hex(_ count: Int) -> String {
        var s = ""
        while s.count < count { s += String(next(), radix: 16) }
        return String(s.prefix(count))
    }
}
