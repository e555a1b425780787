/// The vehicle classes Kruispunt counts, from the camera's vehicle type.
public enum VehicleClass: String, Sendable, CaseIterable {
    case car, lightTruck = "light_truck", heavyTruck = "heavy_truck", bus, motorcycle, unknown

    /// Dutch and English aliases, lower case, single spaces.
    static let aliases: [String: VehicleClass] = [
        "car": .car, "cars": .car, "personenwagen": .car, "personenauto": .car, "auto": .car, "wagen": .car,
        "pw": .car, "passenger car": .car, "voiture": .car, "pkw": .car,
        "light truck": .lightTruck, "light_truck": .lightTruck, "lichte vrachtwagen": .lightTruck,
        "bestelwagen": .lightTruck, "bestelauto": .lightTruck, "van": .lightTruck, "lcv": .lightTruck,
        "camionnette": .lightTruck,
        "heavy truck": .heavyTruck, "heavy_truck": .heavyTruck, "zware vrachtwagen": .heavyTruck,
        "vrachtwagen": .heavyTruck, "vrachtauto": .heavyTruck, "truck": .heavyTruck, "lorry": .heavyTruck,
        "hgv": .heavyTruck, "camion": .heavyTruck, "lkw": .heavyTruck, "trekker": .heavyTruck,
        "bus": .bus, "autobus": .bus, "autocar": .bus, "coach": .bus, "lijnbus": .bus, "touringcar": .bus,
        "motorcycle": .motorcycle, "moto": .motorcycle, "motor": .motorcycle, "motorfiets": .motorcycle,
        "motorbike": .motorcycle, "bromfiets": .motorcycle, "scooter": .motorcycle,
        "unknown": .unknown, "onbekend": .unknown, "": .unknown,
    ]

    /// The class of a vehicle type as delivered (case, spaces, `-` and `_` do not matter).
    public init(normalising raw: String) {
        var key = ""
        var space = false
        for c in raw.lowercased() {
            if c == " " || c == "-" || c == "_" || c == "\t" { space = !key.isEmpty; continue }
            if space { key.append(" "); space = false }
            key.append(c)
        }
        self = Self.aliases[key] ?? .unknown
    }
}

/// Vehicle nationality as ISO 3166-1 alpha-2, from alpha-2, alpha-3 or an international
/// distinguishing sign (`B`, `F`, `D`, `NL`, `GB`, ...); `unknown` otherwise.
public enum Nationality {
    public static let unknown = "unknown"

    /// Distinguishing signs (Vienna Convention) that are not ISO codes themselves.
    static let signs: [String: String] = [
        "B": "BE", "F": "FR", "D": "DE", "L": "LU", "I": "IT", "E": "ES", "P": "PT", "A": "AT", "H": "HU",
        "S": "SE", "N": "NO", "M": "MT", "V": "VA", "UK": "GB", "FL": "LI", "SLO": "SI", "RSM": "SM",
        "NMK": "MK",
    ]

    public static func normalise(_ raw: String) -> String {
        let code = raw.uppercased().filter { $0 != " " && $0 != "." }
        if code.count == 2, CountryCodes.alpha2.contains(code) { return code }
        if code.count == 3, let a2 = CountryCodes.alpha3ToAlpha2[code] { return a2 }
        return signs[code] ?? unknown
    }
}
