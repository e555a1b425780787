import KruispuntANPR
import KruispuntRDF

/// The qualifiers of the restricted metrics as small integers (`CellKey.qualifier`), with the
/// slug of the observation IRI and the literal a consumer reads.
///
/// - nationality: the ISO 3166-1 alpha-2 code (`BE`), `unknown` as 999;
/// - vehicle category: the EU category group times 10 plus the camera's vehicle class code;
/// - vehicle age: a bin of years since first registration;
/// - Euro class: an emission class, zero-emission or unknown;
/// - recurring vehicles: distinct days seen in the week (1, 2-4, 5+).
public enum RestrictedQualifier {
    /// EU vehicle category groups (L1e-L7e as L, O1-O4 as O); `unknown`: not in the registry.
    public static let categories = ["M1", "M2", "M3", "N1", "N2", "N3", "L", "O", "T", "unknown"]
    /// Age bins in years since first registration (the last: not in the registry or no date).
    public static let ageBins = ["0-2", "3-5", "6-9", "10-14", "15+", "unknown"]
    /// Euro classes; `zero-emission` for vehicles without one (electric, hydrogen).
    public static let euroClasses = ["0", "1", "2", "3", "4", "5", "6", "6d", "zero-emission", "unknown"]
    /// Distinct days in a week a vehicle was seen in a zone.
    public static let dayBins = ["1", "2-4", "5+"]

    /// The category group of a registry category (`L3e` -> `L`).
    public static func category(_ registry: String?) -> Int {
        guard let c = registry, !c.isEmpty else { return categories.count - 1 }
        if let i = categories.firstIndex(of: c) { return i }
        if let i = categories.firstIndex(of: String(c.prefix(1))) { return i }
        return categories.count - 1
    }

    /// The age bin of a vehicle first registered in `year`, in local year `now`.
    public static func ageBin(firstRegistration year: Int?, now: Int) -> Int {
        guard let year else { return ageBins.count - 1 }
        switch now - year {
        case ..<3: return 0
        case 3...5: return 1
        case 6...9: return 2
        case 10...14: return 3
        default: return 4
        }
    }

    /// The Euro class of a registry record (nil record: unknown).
    public static func euroClass(_ euro: String?, fuel: String?) -> Int {
        guard let fuel else { return euroClasses.count - 1 }
        if let euro, let i = euroClasses.firstIndex(of: euro) { return i }
        return fuel == "electric" || fuel == "hydrogen" ? 8 : euroClasses.count - 1
    }

    /// The distinct-days bin of a vehicle seen on `days` days of a week.
    public static func dayBin(_ days: Int) -> Int { days <= 1 ? 0 : days <= 4 ? 1 : 2 }

    /// A nationality code as a qualifier.
    public static func nationality(_ code: String) -> Int {
        let b = Array(code.utf8)
        guard b.count == 2, b.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return 999 }
        return Int(b[0] - 65) * 26 + Int(b[1] - 65)
    }

    /// The label of a qualifier of a restricted metric (nil for metrics without one).
    public static func label(_ metric: Metric, _ q: Int) -> String? {
        switch metric {
        case .nationality:
            guard q < 676 else { return "unknown" }
            return String(decoding: [UInt8(65 + q / 26), UInt8(65 + q % 26)], as: UTF8.self)
        case .vehicleCategory:
            return categories[min(q / 10, categories.count - 1)] + "/" + VehicleClass(code: UInt8(q % 10)).rawValue
        case .vehicleAge: return ageBins[min(q, ageBins.count - 1)]
        case .euroClass: return euroClasses[min(q, euroClasses.count - 1)]
        case .recurringVehicles: return dayBins[min(q, dayBins.count - 1)]
        default: return nil
        }
    }

    /// The slug of a qualifier in observation IRIs (`be`, `n1-light_truck`, `10-14y`, `euro-6d`).
    static func slug(_ metric: Metric, _ q: Int) -> String? {
        guard let label = label(metric, q) else { return nil }
        switch metric {
        case .nationality: return label.lowercased()
        case .vehicleCategory: return label.lowercased().replacingOccurrences(of: "/", with: "-")
        case .vehicleAge: return label.replacingOccurrences(of: "+", with: "-plus") + "y"
        case .euroClass: return label == "zero-emission" || label == "unknown" ? label : "euro-" + label
        case .recurringVehicles: return label.replacingOccurrences(of: "+", with: "-plus") + "-days"
        default: return nil
        }
    }

    /// The triples that say which part of the mix an observation counts.
    static func triples(_ metric: Metric, _ q: Int, member: Term) -> [Triple] {
        guard let label = label(metric, q) else { return [] }
        switch metric {
        case .nationality: return [Triple(member, .iri(KP.nationality), .string(label))]
        case .vehicleCategory:
            return [Triple(member, .iri(KP.vehicleCategory), .string(String(label.prefix { $0 != "/" }))),
                    Triple(member, .iri(KP.vehicleType), .string(String(label.drop { $0 != "/" }.dropFirst())))]
        case .vehicleAge: return [Triple(member, .iri(KP.ageBin), .string(label))]
        case .euroClass: return [Triple(member, .iri(KP.euroClass), .string(label))]
        case .recurringVehicles: return [Triple(member, .iri(KP.daysSeen), .string(label))]
        default: return []
        }
    }
}
