import Foundation
import KruispuntRDF
import KruispuntStore

/// A deterministic synthetic ANPR network for the pilot cities: per city a cordon around the
/// centre (an entry and an exit camera at each crossing), cameras inside the centre and on the
/// ring, one zone (`<city>-centrum`), and vehicles making through, destination (with a dwell),
/// ring and local trips with daily profiles, buses and trucks, foreign plates and speeds. Faults
/// can be switched on. Same seed, same output.
///
/// ```swift
/// let network = SyntheticNetwork(cameras: 8, vehicles: 400, days: 2, startDay: "2026-10-24", seed: 7)
/// try network.write { chunk in print(chunk, terminator: "") }
/// ```
public struct SyntheticNetwork: Sendable {
    /// A pilot city: name, NIS code (camera ids start with it) and centre.
    public struct City: Sendable, Hashable {
        public let name: String
        public let nis: String
        public let latitude: Double
        public let longitude: Double

        public static let mechelen = City(name: "Mechelen", nis: "12025", latitude: 51.0279, longitude: 4.4803)
        public static let turnhout = City(name: "Turnhout", nis: "13040", latitude: 51.3226, longitude: 4.9447)
        public static let kortrijk = City(name: "Kortrijk", nis: "34022", latitude: 50.8281, longitude: 3.2648)
        public static let antwerpen = City(name: "Antwerpen", nis: "11002", latitude: 51.2211, longitude: 4.3997)
        public static let pilots = [mechelen, turnhout, kortrijk, antwerpen]

        /// Looks a pilot city up by name (case-insensitive).
        public static func named(_ name: String) -> City? { pilots.first { $0.name.lowercased() == name.lowercased() } }
    }

    /// Faults to inject, for testing ingestion and data quality. A camera fault hits one camera
    /// per city on the last day (the days before are the baseline); with 8 cameras per city each
    /// fault has its own camera (by position: 0 order, 1 speed, 2 nationality, 3 type, the first
    /// inside camera skew, the one after it drift, then volume, the last silent; broken lines go
    /// with the speed camera).
    public struct Faults: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// The camera sends nothing.
        public static let silentCamera = Faults(rawValue: 1)
        /// The camera's clock runs 7 minutes fast.
        public static let clockSkew = Faults(rawValue: 2)
        /// About 1 % of all lines (every camera, every day) are sent twice.
        public static let duplicates = Faults(rawValue: 4)
        /// About 0.2 % of all lines are broken.
        public static let malformed = Faults(rawValue: 8)
        /// The camera's lines arrive in reversed runs of 20.
        public static let outOfOrder = Faults(rawValue: 16)
        /// The camera sends no speeds.
        public static let missingSpeed = Faults(rawValue: 32)
        /// The camera sends an unknown nationality.
        public static let unknownNationality = Faults(rawValue: 64)
        /// The camera sends an unknown vehicle type.
        public static let unknownVehicleType = Faults(rawValue: 128)
        /// The camera's position is 1.1 km off the registry.
        public static let drift = Faults(rawValue: 256)
        /// The camera sees four times its traffic.
        public static let volume = Faults(rawValue: 512)
        /// One line in ten of the camera has an empty plate hash (quarantined).
        public static let brokenLines = Faults(rawValue: 1024)
        public static let all: Faults = [.silentCamera, .clockSkew, .duplicates, .malformed, .outOfOrder, .missingSpeed,
                                         .unknownNationality, .unknownVehicleType, .drift, .volume, .brokenLines]

        static let names: [(String, Faults)] = [
            ("silent", .silentCamera), ("skew", .clockSkew), ("duplicates", .duplicates), ("malformed", .malformed),
            ("order", .outOfOrder), ("speed", .missingSpeed), ("nationality", .unknownNationality), ("type", .unknownVehicleType),
            ("drift", .drift), ("volume", .volume), ("broken", .brokenLines),
        ]

        /// Parses a comma-separated list of `silent, skew, duplicates, malformed, order, speed,
        /// nationality, type, drift, volume, broken`, or `all`.
        public init(list: String) throws {
            var faults: Faults = []
            for word in list.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if word == "all" { faults.formUnion(.all); continue }
                let aliases = ["silent-camera": "silent", "clock-skew": "skew", "out-of-order": "order", "vehicle-type": "type",
                               "quarantine": "broken"]
                guard let fault = Self.names.first(where: { $0.0 == (aliases[word] ?? word) })?.1 else {
                    throw IngestError("unknown fault \"\(word)\" (\(Self.names.map(\.0).joined(separator: ", ")) or all)")
                }
                faults.insert(fault)
            }
            self = faults
        }
    }

    /// Output syntax of the detections.
    public enum Format: String, Sendable { case csv, ndjson }

    /// A camera of the network.
    public struct Camera: Sendable, Hashable {
        public enum Kind: String, Sendable { case entry, exit, inside, ring }
        public let id: String
        public let city: City
        public let kind: Kind
        public let name: String
        public let latitude: Double
        public let longitude: Double
        /// The cordon crossing an entry or exit camera belongs to.
        public let crossing: Int
    }

    public var cities: [City]
    /// Cameras per city (at least 4: one cordon crossing with entry and exit, one inside, one ring).
    public var cameraCount: Int
    /// Vehicles over all cities.
    public var vehicleCount: Int
    public var days: Int
    /// The first local day, `YYYY-MM-DD`.
    public var startDay: String
    public var seed: UInt64
    public var faults: Faults = []
    public var format: Format = .csv

    public init(cameras: Int, vehicles: Int, days: Int, startDay: String, seed: UInt64, cities: [City] = [.mechelen]) {
        self.cameraCount = max(4, cameras)
        self.vehicleCount = max(1, vehicles)
        self.days = max(1, days)
        self.startDay = startDay
        self.seed = seed
        self.cities = cities.isEmpty ? [.mechelen] : cities
    }

    /// The cameras of one city: half on the cordon (entry/exit pairs), a quarter inside, the rest on the ring.
    public func cameras(of city: City) -> [Camera] {
        let crossings = max(1, cameraCount / 4)
        let inside = max(1, cameraCount / 4)
        let ring = max(1, cameraCount - 2 * crossings - inside)
        var cams: [Camera] = []
        func point(_ radius: Double, _ angle: Double) -> (Double, Double) {
            (((city.latitude + radius * sin(angle)) * 1e6).rounded() / 1e6,
             ((city.longitude + 1.6 * radius * cos(angle)) * 1e6).rounded() / 1e6)
        }
        func add(_ kind: Camera.Kind, _ name: String, _ at: (Double, Double), crossing: Int = -1) {
            let id = city.nis + (cams.count + 1 < 10 ? "0" : "") + String(cams.count + 1)
            cams.append(Camera(id: id, city: city, kind: kind, name: "\(city.name) \(name)", latitude: at.0,
                               longitude: at.1, crossing: crossing))
        }
        for c in 0..<crossings {
            let angle = Double(c) / Double(crossings) * 2 * .pi
            add(.entry, "cordon \(c + 1) inkomend", point(0.008, angle), crossing: c)
            add(.exit, "cordon \(c + 1) uitgaand", point(0.0081, angle + 0.01), crossing: c)
        }
        for i in 0..<inside { add(.inside, "centrum \(i + 1)", point(0.003, Double(i) / Double(inside) * 2 * .pi + 0.4)) }
        for r in 0..<ring { add(.ring, "ring \(r + 1)", point(0.016, Double(r) / Double(ring) * 2 * .pi + 0.2)) }
        return cams
    }

    /// Every camera of the network.
    public var cameras: [Camera] { cities.flatMap(cameras(of:)) }

    /// `cameras.csv` for `kruispunt cameras import`.
    public func camerasCSV() -> String {
        "camera_id,backoffice_id,name,latitude,longitude,municipality\n" + cameras.map {
            "\($0.id),BO-\($0.city.nis),\($0.name),\($0.latitude),\($0.longitude),\($0.city.name)\n"
        }.joined()
    }

    /// `zones.csv` for `kruispunt zones import`: one centre zone per city.
    public func zonesCSV() -> String {
        "zone_id,name,camera_id,role\n" + cameras.compactMap { c -> String? in
            let zone = c.city.name.lowercased() + "-centrum"
            switch c.kind {
            case .entry: return "\(zone),\(c.city.name) centrum,\(c.id),entry\n"
            case .exit: return "\(zone),\(c.city.name) centrum,\(c.id),exit\n"
            case .inside: return "\(zone),\(c.city.name) centrum,\(c.id),inside\n"
            case .ring: return nil
            }
        }.joined()
    }

    /// `zones.geojson` for `kruispunt zones import --geojson`: each centre zone's outline, a
    /// 24-sided polygon just outside its cordon.
    public func zonesGeoJSON() -> String {
        let features = cities.map { city -> String in
            let ring = (0...24).map { k -> String in
                let angle = Double(k % 24) / 24 * 2 * .pi
                let lat = ((city.latitude + 0.0088 * sin(angle)) * 1e6).rounded() / 1e6
                let lon = ((city.longitude + 1.6 * 0.0088 * cos(angle)) * 1e6).rounded() / 1e6
                return "[\(lon),\(lat)]"
            }
            return "{\"type\":\"Feature\",\"properties\":{\"zone_id\":\"\(city.name.lowercased())-centrum\",\"name\":\"\(city.name) centrum\"},"
                + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[" + ring.joined(separator: ",") + "]]}}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// Relative traffic per local hour of the day (morning and evening peaks, quiet nights).
    static let hourProfile: [Double] = [3, 2, 2, 2, 3, 5, 9, 15, 17, 11, 9, 9, 10, 10, 10, 11, 14, 16, 12, 9, 7, 6, 5, 4]
    /// Relative traffic per weekday, Monday first.
    static let weekdayProfile: [Double] = [1.0, 1.02, 1.03, 1.04, 1.08, 0.8, 0.6]

    /// One detection as generated, with what really happened (the ground truth).
    public struct Passage: Sendable {
        public let vehicle: Int
        public let plate: String
        public let trip: Int
        public let kind: String
        public let camera: Camera
        /// The true instant; the written one differs on a skewed camera.
        public let instant: Int64
        public let written: Int64
        public let speed: Int
        public let vehicleType: String
        public let nationality: String
    }

    /// Generates the detections (CSV header first, or NDJSON), handing out chunks of text.
    /// `truth` receives the ground truth as CSV, when given.
    public func write(truth: ((String) throws -> Void)? = nil, _ emit: (String) throws -> Void) throws {
        guard let first = XSDDateTime(startDay + "T00:00:00Z") else {
            throw IngestError("--start must be a date YYYY-MM-DD, not \"\(startDay)\"")
        }
        if format == .csv { try emit(DetectionColumns.header.joined(separator: ",") + "\n") }
        try truth?("vehicle,plate_hash,trip,kind,camera_id,instant,written_timestamp\n")
        let firstDay = Int(first.epochMillis / 86_400_000)
        var rng = SplitMix64(seed: seed)
        let plates = Self.plates(vehicleCount, &rng)
        let nationalities = ["BE"] * 12 + ["B"] * 3 + ["BEL"] * 3 + ["NL", "F", "D", "GB"]
        let cumulative = Self.hourProfile.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
        let citiesCameras = cities.map(cameras(of:))
        for (dayIndex, day) in (firstDay..<(firstDay + days)).enumerated() {
            let dayStart = BrusselsTime.dayStart(day)
            let dayEnd = BrusselsTime.dayStart(day + 1)
            let weekday = ((day + 3) % 7 + 7) % 7   // Monday = 0
            var rows: [Passage] = []
            var trip = 0
            for v in 0..<vehicleCount {
                let cams = citiesCameras[v % citiesCameras.count]
                let type = Self.vehicleType(v)
                let nationality = nationalities[v % nationalities.count]
                let trips = Int((rng.unit() * 4.5 * Self.weekdayProfile[weekday]).rounded(.down))
                for _ in 0..<trips {
                    trip += 1
                    let x = rng.unit() * cumulative.last!
                    let hour = cumulative.firstIndex(where: { $0 >= x }) ?? 12
                    let start = dayStart + Int64(hour) * 3_600_000 + Int64(rng.unit() * 3_600_000)
                    let (kind, stops) = route(in: cams, type: type, rng: &rng)
                    var t = start
                    for (i, stop) in stops.enumerated() where t < dayEnd {
                        let isRing = stop.camera.kind == .ring
                        let speed = max(5, Int((isRing ? 70 : 32) + rng.gaussian() * (isRing ? 9 : 6)))
                        rows.append(Passage(vehicle: v, plate: plates[v], trip: trip, kind: kind, camera: stop.camera,
                                            instant: t, written: t, speed: speed, vehicleType: type, nationality: nationality))
                        if i + 1 < stops.count { t += stops[i + 1].after(&rng) }
                    }
                }
            }
            rows.sort { ($0.instant, $0.camera.id, $0.vehicle) < ($1.instant, $1.camera.id, $1.vehicle) }
            try emitDay(rows, dayIndex: dayIndex, rng: &rng, truth: truth, emit)
        }
    }

    /// A stop of a route and the time it takes to get there from the previous stop.
    struct Stop {
        let camera: Camera
        let after: (inout SplitMix64) -> Int64
    }

    /// A trip through one city's cameras.
    private func route(in cams: [Camera], type: String, rng: inout SplitMix64) -> (String, [Stop]) {
        func pick(_ kind: Camera.Kind) -> Camera {
            let list = cams.filter { $0.kind == kind }
            return list[Int(rng.next() % UInt64(list.count))]
        }
        let minutes: (Double, Double) -> (inout SplitMix64) -> Int64 = { lo, hi in
            { r in Int64((lo + r.unit() * (hi - lo)) * 60_000) }
        }
        let entry = pick(.entry)
        let exits = cams.filter { $0.kind == .exit && $0.crossing != entry.crossing }
        let exit = exits.isEmpty ? pick(.exit) : exits[Int(rng.next() % UInt64(exits.count))]
        let roll = rng.unit()
        let through = type == "vrachtwagen" ? 0.45 : 0.2
        if roll < through {
            return ("through", [Stop(camera: entry, after: minutes(0, 0)), Stop(camera: pick(.inside), after: minutes(2, 6)),
                                Stop(camera: exit, after: minutes(2, 8))])
        } else if roll < through + 0.35 {
            // Destination traffic: in, stay (15 min to 8 h, mostly short), out.
            let dwell: (inout SplitMix64) -> Int64 = { r in Int64((15 + pow(r.unit(), 2.5) * 465) * 60_000) }
            return ("destination", [Stop(camera: entry, after: minutes(0, 0)), Stop(camera: pick(.inside), after: minutes(2, 6)),
                                    Stop(camera: exit, after: dwell)])
        } else if roll < through + 0.75 {
            let a = pick(.ring), b = pick(.ring)
            return ("ring", [Stop(camera: a, after: minutes(0, 0)), Stop(camera: b, after: minutes(3, 12))])
        } else {
            return ("local", [Stop(camera: pick(.inside), after: minutes(0, 0)), Stop(camera: pick(.inside), after: minutes(4, 20))])
        }
    }

    /// Writes one day's detections (with the faults) and its ground truth.
    private func emitDay(_ rows: [Passage], dayIndex: Int, rng: inout SplitMix64, truth: ((String) throws -> Void)?,
                         _ emit: (String) throws -> Void) throws {
        var out = "", truthText = ""
        var held: [String] = []   // the out-of-order camera's lines, sent reversed in runs of 20
        let faultDay = dayIndex == days - 1
        var faultCameras: [String: Faults] = [:]
        for city in cities where faultDay {
            let cams = cameras(of: city)
            func mark(_ index: Int?, _ f: Faults) {
                if let index, cams.indices.contains(index), faults.contains(f) { faultCameras[cams[index].id, default: []].insert(f) }
            }
            let inside = cams.firstIndex { $0.kind == .inside }
            mark(0, .outOfOrder); mark(1, .missingSpeed); mark(1, .brokenLines); mark(2, .unknownNationality); mark(3, .unknownVehicleType)
            mark(inside, .clockSkew); mark(inside.map { $0 + 1 }, .drift); mark(inside.map { $0 + 2 }, .volume)
            mark(cams.count - 1, .silentCamera)
        }
        for row in rows {
            let fault = faultCameras[row.camera.id] ?? []
            if fault.contains(.silentCamera) { continue }
            let written = fault.contains(.clockSkew) ? row.instant + 420_000 : row.instant
            let zulu = rng.next() % 5 == 0
            let offset = zulu ? 0 : BrusselsTime.offsetMinutes(atEpochMillis: written)
            let stamp = XSDDateTime.format(epochMillis: written, offsetMinutes: offset, zulu: zulu, alwaysMillis: true)
            let latitude = fault.contains(.drift) ? row.camera.latitude + 0.01 : row.camera.latitude
            let speed = fault.contains(.missingSpeed) ? "" : String(row.speed)
            let nationality = fault.contains(.unknownNationality) ? "XX" : row.nationality
            let type = fault.contains(.unknownVehicleType) ? "onbekend" : row.vehicleType
            // Three more vehicles: the plate hash with its last digit moved on by 1, 2 and 3.
            let plates = fault.contains(.volume) ? [row.plate] + (1...3).map { k in
                String(row.plate.dropLast()) + String((Int(String(row.plate.last!), radix: 16)! + k) % 16, radix: 16)
            } : [row.plate]
            var lines = ""
            for plate in plates {
                let plate = fault.contains(.brokenLines) && rng.next() % 10 == 0 ? "" : plate
                var line: String
                switch format {
                case .csv:
                    line = "\(row.camera.id),BO-\(row.camera.city.nis),\(stamp),\(latitude),\(row.camera.longitude),"
                    line += "\(plate),\(nationality),\(speed),\(type)\n"
                case .ndjson:
                    line = "{\"camera_id\":\"\(row.camera.id)\",\"backoffice_id\":\"BO-\(row.camera.city.nis)\",\"timestamp\":\"\(stamp)\","
                    line += "\"latitude\":\(latitude),\"longitude\":\(row.camera.longitude),\"plate_hash\":\"\(plate)\","
                    line += "\"nationality\":\"\(nationality)\",\"speed_kmh\":\(speed.isEmpty ? "null" : speed),\"vehicle_type\":\"\(type)\"}\n"
                }
                if faults.contains(.malformed), rng.next() % 500 == 0 {
                    line = String(line.dropLast(line.count / 3)) + "\n"   // a line cut short
                }
                lines += line
                if faults.contains(.duplicates), rng.next() % 100 == 0 { lines += line }
            }
            if fault.contains(.outOfOrder) {
                held.append(lines)
                if held.count == 20 { out += held.reversed().joined(); held = [] }
            } else {
                out += lines
            }
            if truth != nil {
                truthText += "\(row.vehicle),\(row.plate),\(row.trip),\(row.kind),\(row.camera.id),"
                truthText += XSDDateTime.format(epochMillis: row.instant, offsetMinutes: 0, zulu: true, alwaysMillis: true) + ",\(stamp)\n"
            }
            if out.utf8.count > 1 << 16 { try emit(out); out = "" }
            if truthText.utf8.count > 1 << 16 { try truth?(truthText); truthText = "" }
        }
        out += held.reversed().joined()
        if !out.isEmpty { try emit(out) }
        if !truthText.isEmpty { try truth?(truthText) }
    }

    /// The vehicles' plate hashes: the first draws of the run's generator.
    static func plates(_ count: Int, _ rng: inout SplitMix64) -> [String] { (0..<count).map { _ in rng.hex(64) } }

    /// A vehicle-registry extract for the network's vehicles (`kruispunt enrich import`): one in
    /// twenty is missing, as vehicles the registries do not know; category from the vehicle type,
    /// country from the plate's nationality, a first registration from 1995 on and a fuel and Euro
    /// class that go with it. Same seed, same extract.
    public func registryExtractCSV() -> String {
        var draws = SplitMix64(seed: seed)
        let plates = Self.plates(vehicleCount, &draws)
        var rng = SplitMix64(seed: seed ^ 0x5245_4749_5354_5259)
        let countries = ["BE"] * 18 + ["NL", "FR", "DE", "GB"]
        var out = "plate_hash,euro_class,first_registration,fuel,category,country\n"
        for (v, plate) in plates.enumerated() {
            let (year, fuelDraw, missing) = (1995 + Int(rng.next() % 31), rng.next() % 100, rng.next() % 20 == 0)
            if missing { continue }
            let category: String = switch Self.vehicleType(v) {
            case "personenwagen": "M1"
            case "bestelwagen": "N1"
            case "vrachtwagen": v % 2 == 0 ? "N2" : "N3"
            case "motorfiets": "L3e"
            default: "M3"
            }
            let fuel = year >= 2018 && fuelDraw < 15 ? "electric" : fuelDraw < 45 ? "diesel" : fuelDraw < 55 && year >= 2012 ? "hybrid" : "petrol"
            let euro = fuel == "electric" ? "" : year >= 2021 ? "6d" : year >= 2015 ? "6" : year >= 2011 ? "5" : year >= 2006 ? "4" : year >= 2001 ? "3" : "2"
            out += "\(plate),\(euro),\(year)-\(String(format: "%02d", 1 + Int(rng.next() % 12))),\(fuel),\(category),\(countries[v % countries.count])\n"
        }
        return out
    }

    /// The camera's vehicle type as exports write it (Dutch), by vehicle: mostly cars.
    static func vehicleType(_ v: Int) -> String {
        switch v % 40 {
        case 0..<29: return "personenwagen"
        case 29..<34: return "bestelwagen"
        case 34..<37: return "vrachtwagen"
        case 37, 38: return "motorfiets"
        default: return "bus"
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
    /// A standard normal deviate (Box-Muller).
    public mutating func gaussian() -> Double {
        let u = max(unit(), 1e-12), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    /// `count` lowercase hex digits.
    public mutating func hex(_ count: Int) -> String {
        var s = ""
        while s.count < count { s += Hex.word(next()) }
        return String(s.prefix(count))
    }
}
