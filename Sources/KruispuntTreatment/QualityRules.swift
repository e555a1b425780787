import Foundation

/// What the treatment measures of one camera in one UTC hour, from its detections.
public struct QualityMeasures: Sendable, Codable, Equatable {
    /// Detections kept (after duplicates were dropped).
    public var detections = 0
    /// Valid lines received, duplicates included (never fewer than `detections`).
    public var received = 0
    /// Timestamps more than the tolerance ahead of their receipt.
    public var ahead = 0
    /// Median offset (seconds) of the camera's timestamps against the detections that arrived
    /// around them from every camera: a camera's clock running fast or slow, or a late backlog.
    public var clockOffsetSeconds = 0.0
    /// Detections older than the camera's previous detection in arrival order.
    public var outOfOrder = 0
    /// Missing or implausible speeds.
    public var speedMissing = 0
    public var unknownNationality = 0
    public var unknownVehicleType = 0
    /// Positions farther than the drift distance from the camera's registry position.
    public var drifted = 0
    /// Lines of this camera put in quarantine (invalid after a valid camera id).
    public var quarantined = 0

    public init() {}

    /// Lines received from the camera: valid ones (duplicates included) and quarantined ones.
    public var lines: Int { received + quarantined }

    private enum CodingKeys: String, CodingKey {
        case detections, received, ahead, clockOffsetSeconds, outOfOrder, speedMissing, unknownNationality, unknownVehicleType
        case drifted, quarantined
    }

    /// Measures stored before a measure existed decode with it as 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        detections = try int(.detections); received = try int(.received); ahead = try int(.ahead)
        clockOffsetSeconds = try c.decodeIfPresent(Double.self, forKey: .clockOffsetSeconds) ?? 0
        outOfOrder = try int(.outOfOrder); speedMissing = try int(.speedMissing)
        unknownNationality = try int(.unknownNationality); unknownVehicleType = try int(.unknownVehicleType)
        drifted = try int(.drifted); quarantined = try int(.quarantined)
    }

    var duplicates: Int { max(0, received - detections) }

    /// `part` of the detections as a share (0 without detections).
    func share(_ part: Int) -> Double { detections == 0 ? 0 : Double(part) / Double(detections) }
}

/// A data-quality rule, evaluated per camera-hour.
public enum QualityRule: String, Sendable, Codable, CaseIterable, Comparable {
    case silence, volume
    case clockSkew = "clock-skew"
    case outOfOrder = "out-of-order"
    case duplicates
    case speed, nationality
    case vehicleType = "vehicle-type"
    case drift, quarantine

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// Rule names in the rules' order (a name no rule has sorts with the last).
    static func inOrder(_ names: [String]) -> [String] {
        names.sorted { (Self(rawValue: $0) ?? .quarantine) < (Self(rawValue: $1) ?? .quarantine) }
    }

    /// Dutch and English labels.
    public var label: (nl: String, en: String) {
        switch self {
        case .silence: ("Stilte", "Silence")
        case .volume: ("Afwijkend volume", "Volume anomaly")
        case .clockSkew: ("Klokafwijking", "Clock skew")
        case .outOfOrder: ("Buiten volgorde", "Out of order")
        case .duplicates: ("Dubbels", "Duplicates")
        case .speed: ("Ontbrekende snelheid", "Missing speed")
        case .nationality: ("Onbekende nationaliteit", "Unknown nationality")
        case .vehicleType: ("Onbekend voertuigtype", "Unknown vehicle type")
        case .drift: ("Coördinaten verschoven", "Coordinate drift")
        case .quarantine: ("Lijnen in quarantaine", "Quarantined lines")
        }
    }
}

/// The rules' thresholds; every one can be set in a JSON file (`KRUISPUNT_QUALITY_RULES`), keys
/// as the property names, missing keys keeping their defaults.
public struct QualityThresholds: Sendable, Codable, Equatable {
    /// Silence: no detections while the baseline expects at least this many.
    public var silenceBaseline = 20.0
    /// Volume anomaly: only when the baseline expects at least this many...
    public var volumeBaseline = 20.0
    /// ...and the count is below baseline / factor or above baseline x factor...
    public var volumeFactor = 3.0
    /// ...and further from the baseline than this many robust deviations (1.4826 x MAD, at
    /// least the Poisson deviation sqrt(baseline)).
    public var volumeDeviations = 4.0
    /// Weeks of the baseline (same hour of the week) and how many must be known.
    public var baselineWeeks = 4
    public var baselineMinimumWeeks = 1
    /// Clock skew: a timestamp more than this many seconds ahead of its receipt counts as ahead...
    public var clockAheadSeconds = 120.0
    /// ...and fires when this share is ahead, or the median offset exceeds `clockOffsetSeconds`.
    public var clockAheadShare = 0.05
    public var clockOffsetSeconds = 300.0
    /// Share rules look at hours with at least this many detections.
    public var shareMinimumDetections = 20
    public var outOfOrderShare = 0.05
    /// Duplicates: share of the received lines, and at least `duplicatesMinimum` of them.
    public var duplicatesShare = 0.005
    public var duplicatesMinimum = 2
    public var speedMissingShare = 0.25
    public var unknownNationalityShare = 0.25
    public var unknownVehicleTypeShare = 0.25
    /// Drift: positions farther than this from the registry, in this share of the detections.
    public var driftMeters = 100.0
    public var driftShare = 0.5
    /// Quarantine: share of the camera's lines that were invalid, and at least this many of them.
    public var quarantinedShare = 0.02
    public var quarantinedMinimum = 3

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: Key.self)
        let known = Set(Self.doubleKeys.map(\.0) + Self.intKeys.map(\.0))
        if let unknown = c.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: c, debugDescription:
                "unknown data-quality threshold \"\(unknown.stringValue)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        for (name, path) in Self.doubleKeys { if let v = try c.decodeIfPresent(Double.self, forKey: Key(name)) { self[keyPath: path] = v } }
        for (name, path) in Self.intKeys { if let v = try c.decodeIfPresent(Int.self, forKey: Key(name)) { self[keyPath: path] = v } }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, path) in Self.doubleKeys { try c.encode(self[keyPath: path], forKey: Key(name)) }
        for (name, path) in Self.intKeys { try c.encode(self[keyPath: path], forKey: Key(name)) }
    }

    /// Reads the thresholds from a JSON file; a clear error names a bad key or value.
    public static func load(_ url: URL) throws -> QualityThresholds {
        do { return try JSONDecoder().decode(QualityThresholds.self, from: Data(contentsOf: url)) } catch let error as DecodingError {
            throw TreatmentConfigurationError("\(url.path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            (c.codingPath.last.map { "\"\($0.stringValue)\": " } ?? "") + c.debugDescription
        @unknown default: "\(error)"
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    nonisolated(unsafe) private static let doubleKeys: [(String, WritableKeyPath<QualityThresholds, Double>)] = [
        ("silenceBaseline", \.silenceBaseline), ("volumeBaseline", \.volumeBaseline), ("volumeFactor", \.volumeFactor),
        ("volumeDeviations", \.volumeDeviations), ("clockAheadSeconds", \.clockAheadSeconds), ("clockAheadShare", \.clockAheadShare),
        ("clockOffsetSeconds", \.clockOffsetSeconds), ("outOfOrderShare", \.outOfOrderShare), ("duplicatesShare", \.duplicatesShare),
        ("speedMissingShare", \.speedMissingShare), ("unknownNationalityShare", \.unknownNationalityShare),
        ("unknownVehicleTypeShare", \.unknownVehicleTypeShare), ("driftMeters", \.driftMeters), ("driftShare", \.driftShare),
        ("quarantinedShare", \.quarantinedShare),
    ]
    nonisolated(unsafe) private static let intKeys: [(String, WritableKeyPath<QualityThresholds, Int>)] = [
        ("baselineWeeks", \.baselineWeeks), ("baselineMinimumWeeks", \.baselineMinimumWeeks),
        ("shareMinimumDetections", \.shareMinimumDetections), ("duplicatesMinimum", \.duplicatesMinimum),
        ("quarantinedMinimum", \.quarantinedMinimum),
    ]

    /// The camera's expected count from the same hour of the week in earlier weeks: their median
    /// and robust deviation, or nil when fewer than `baselineMinimumWeeks` are known.
    public func baseline(_ earlier: [Int]) -> (median: Double, deviation: Double)? {
        guard earlier.count >= max(1, baselineMinimumWeeks) else { return nil }
        let m = Self.median(earlier.map(Double.init))
        let mad = Self.median(earlier.map { abs(Double($0) - m) })
        return (m, max(1.4826 * mad, m.squareRoot()))
    }

    /// The rules that fire for one camera-hour, given the counts of the same hour in earlier weeks.
    public func fired(_ m: QualityMeasures, earlier: [Int]) -> [QualityRule] {
        var rules: [QualityRule] = []
        if let b = baseline(earlier) {
            if m.detections == 0, b.median >= silenceBaseline { rules.append(.silence) }
            let n = Double(m.detections)
            if m.detections > 0, b.median >= volumeBaseline, n < b.median / volumeFactor || n > b.median * volumeFactor,
               abs(n - b.median) > volumeDeviations * b.deviation {
                rules.append(.volume)
            }
        }
        if m.detections > 0, m.share(m.ahead) > clockAheadShare || abs(m.clockOffsetSeconds) > clockOffsetSeconds {
            rules.append(.clockSkew)
        }
        if m.received > 0, m.duplicates >= duplicatesMinimum, Double(m.duplicates) / Double(m.received) > duplicatesShare {
            rules.append(.duplicates)
        }
        if m.quarantined >= quarantinedMinimum, Double(m.quarantined) / Double(m.lines) > quarantinedShare {
            rules.append(.quarantine)
        }
        if m.detections >= shareMinimumDetections {
            if m.share(m.outOfOrder) > outOfOrderShare { rules.append(.outOfOrder) }
            if m.share(m.speedMissing) > speedMissingShare { rules.append(.speed) }
            if m.share(m.unknownNationality) > unknownNationalityShare { rules.append(.nationality) }
            if m.share(m.unknownVehicleType) > unknownVehicleTypeShare { rules.append(.vehicleType) }
            if m.share(m.drifted) > driftShare { rules.append(.drift) }
        }
        return rules.sorted()
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A treatment setting that cannot be used.
public struct TreatmentConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
