import Foundation

/// What a dashboard page shows, read from its URL so that a view can be bookmarked and shared:
/// location (cameras, a zone, a municipality or a box drawn on the map), time (local dates,
/// weekdays, hours of the day), duration (travel or dwell time in minutes), vehicle class, the
/// language, and for comparisons a second period. Parameter names are Dutch.
public struct DashboardFilters: Sendable, Equatable {
    /// A box on the map: west, south, east, north in WGS84 degrees.
    public struct Box: Sendable, Equatable {
        public var west, south, east, north: Double
        public func contains(latitude: Double, longitude: Double) -> Bool {
            latitude >= south && latitude <= north && longitude >= west && longitude <= east
        }
    }

    public var cameras: [String] = []
    public var zone: String?
    public var municipality: String?
    public var box: Box?
    /// First and last local day (inclusive), `YYYY-MM-DD`.
    public var from: String?
    public var to: String?
    /// ISO weekdays (1 = Monday); empty means every day.
    public var weekdays: [Int] = []
    /// Hours of the day (local), inclusive.
    public var hours: ClosedRange<Int>?
    /// Travel or dwell time in minutes, inclusive.
    public var minutes: ClosedRange<Int>?
    public var vehicleClass: String?
    public var language: Language = .nl
    /// The second period of a comparison.
    public var compareFrom: String?
    public var compareTo: String?
    /// The day the flow map plays through, `YYYY-MM-DD`.
    public var day: String?
    /// An origin-destination pair (camera ids) for travel times.
    public var origin: String?
    public var destination: String?

    public init() {}

    /// The vehicle classes the treatment distinguishes (`kp:vehicleType`).
    public static let vehicleClasses = ["car", "light_truck", "heavy_truck", "bus", "motorcycle", "unknown"]

    /// Reads the query parameters of a page's URL; an unknown or malformed value is an error
    /// that names the parameter (never silently ignored).
    public init(parameters: [(String, String)]) throws {
        for (name, rawValue) in parameters {
            let value = rawValue.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { continue }
            switch name {
            case "camera":
                for id in value.split(separator: ",") {
                    let id = String(id)
                    guard Self.isIdentifier(id) else { throw DashboardFilterError(name, value, "een camera-id (letters, cijfers, - en _)", "a camera id (letters, digits, - and _)") }
                    if !cameras.contains(id) { cameras.append(id) }
                }
            case "zone":
                guard Self.isIdentifier(value) else { throw DashboardFilterError(name, value, "een zone-id", "a zone id") }
                zone = value
            case "gemeente":
                guard value.count <= 80 else { throw DashboardFilterError(name, value, "een gemeentenaam", "a municipality name") }
                municipality = value
            case "kader":
                let p = value.split(separator: ",").compactMap { Double($0) }
                guard p.count == 4, p[0] < p[2], p[1] < p[3], (-180...180).contains(p[0]), (-180...180).contains(p[2]),
                      (-90...90).contains(p[1]), (-90...90).contains(p[3]) else {
                    throw DashboardFilterError(name, value, "west,zuid,oost,noord in graden (WGS84)", "west,south,east,north in degrees (WGS84)")
                }
                box = Box(west: p[0], south: p[1], east: p[2], north: p[3])
            case "van", "tot", "van2", "tot2", "datum":
                guard LocalDay.parse(value) != nil else { throw DashboardFilterError(name, value, "een datum JJJJ-MM-DD", "a date YYYY-MM-DD") }
                switch name {
                case "van": from = value
                case "tot": to = value
                case "van2": compareFrom = value
                case "tot2": compareTo = value
                default: day = value
                }
            case "dag":
                for d in value.split(separator: ",") {
                    guard let n = Int(d), (1...7).contains(n) else { throw DashboardFilterError(name, value, "weekdagen 1 (maandag) tot 7 (zondag)", "weekdays 1 (Monday) to 7 (Sunday)") }
                    if !weekdays.contains(n) { weekdays.append(n) }
                }
                weekdays.sort()
            case "uren":
                guard let r = Self.range(value), r.upperBound <= 23 else { throw DashboardFilterError(name, value, "uren van-tot, 0 tot 23 (bv. 7-9)", "hours from-to, 0 to 23 (e.g. 7-9)") }
                hours = r
            case "duur":
                guard let r = Self.range(value), r.upperBound <= 1440 else { throw DashboardFilterError(name, value, "minuten van-tot (bv. 5-30)", "minutes from-to (e.g. 5-30)") }
                minutes = r
            case "klasse":
                guard Self.vehicleClasses.contains(value) else {
                    throw DashboardFilterError(name, value, "een voertuigklasse: " + Self.vehicleClasses.joined(separator: ", "),
                                               "a vehicle class: " + Self.vehicleClasses.joined(separator: ", "))
                }
                vehicleClass = value
            case "herkomst", "bestemming":
                guard Self.isIdentifier(value) else { throw DashboardFilterError(name, value, "een camera-id", "a camera id") }
                if name == "herkomst" { origin = value } else { destination = value }
            case "taal", "lang":
                guard let l = Language(rawValue: value) else { throw DashboardFilterError(name, value, "nl of en", "nl or en") }
                language = l
            default:
                throw DashboardFilterError(name, value, "een gekende parameter (camera, zone, gemeente, kader, van, tot, dag, uren, duur, klasse, van2, tot2, datum, herkomst, bestemming, taal)",
                                           "a known parameter (camera, zone, gemeente, kader, van, tot, dag, uren, duur, klasse, van2, tot2, datum, herkomst, bestemming, taal)")
            }
        }
        if let f = from, let t = to, f > t { throw DashboardFilterError("tot", t, "een datum niet voor 'van' (\(f))", "a date not before 'van' (\(f))") }
        if let f = compareFrom, let t = compareTo, f > t { throw DashboardFilterError("tot2", t, "een datum niet voor 'van2' (\(f))", "a date not before 'van2' (\(f))") }
        if let f = from, let t = to, LocalDay.parse(t)!.number - LocalDay.parse(f)!.number > 366 {
            throw DashboardFilterError("tot", t, "een periode van hoogstens 367 dagen", "a period of at most 367 days")
        }
    }

    /// The parameters, in a fixed order (for links; `changing` overrides or removes some).
    public func parameters(changing changes: [String: String?] = [:]) -> [(String, String)] {
        var p: [(String, String)] = []
        func add(_ n: String, _ v: String?) { if let v, !v.isEmpty { p.append((n, v)) } }
        add("camera", cameras.isEmpty ? nil : cameras.joined(separator: ","))
        add("zone", zone)
        add("gemeente", municipality)
        add("kader", box.map { "\($0.west),\($0.south),\($0.east),\($0.north)" })
        add("van", from)
        add("tot", to)
        add("dag", weekdays.isEmpty ? nil : weekdays.map(String.init).joined(separator: ","))
        add("uren", hours.map { "\($0.lowerBound)-\($0.upperBound)" })
        add("duur", minutes.map { "\($0.lowerBound)-\($0.upperBound)" })
        add("klasse", vehicleClass)
        add("van2", compareFrom)
        add("tot2", compareTo)
        add("datum", day)
        add("herkomst", origin)
        add("bestemming", destination)
        add("taal", language == .nl ? nil : language.rawValue)
        for (name, value) in changes {
            p.removeAll { $0.0 == name }
            if let value { p.append((name, value)) }
        }
        return p
    }

    /// `?a=b&c=d` (or "" without parameters), percent-encoded.
    public func queryString(changing changes: [String: String?] = [:]) -> String {
        let p = parameters(changing: changes)
        guard !p.isEmpty else { return "" }
        return "?" + p.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes a query parameter value (commas stay, as in `camera=1,2`).
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~,")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func range(_ s: String) -> ClosedRange<Int>? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 1, let n = Int(parts[0]), n >= 0 { return n...n }
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, a <= b else { return nil }
        return a...b
    }
}

/// A filter parameter that could not be read: which one, what it held, and what was expected
/// (in Dutch and English).
public struct DashboardFilterError: Error, Sendable, CustomStringConvertible {
    public let parameter: String
    public let value: String
    public let expectedNL: String
    public let expectedEN: String

    init(_ parameter: String, _ value: String, _ nl: String, _ en: String) {
        self.parameter = parameter
        self.value = value
        self.expectedNL = nl
        self.expectedEN = en
    }

    public var description: String {
        "Filter '\(parameter)' = '\(value.prefix(100))': verwacht \(expectedNL) / expected \(expectedEN)"
    }
}

/// The dashboard's languages: Dutch (nl-BE) first, English second.
public enum Language: String, Sendable, CaseIterable {
    case nl, en

    /// The text in this language.
    public func text(_ nl: String, _ en: String) -> String { self == .nl ? nl : en }
}
