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
        var raw = raw
        self = raw.withUTF8 { VehicleClass(normalising: $0) }
    }

    /// The same from UTF-8 bytes (the ingestion hot path: ASCII folding, no Character walk).
    public init(normalising raw: UnsafeBufferPointer<UInt8>) {
        let key = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count + 1) { buf -> String in
            var n = 0, space = false
            for b in raw {
                if b == 32 || b == 45 || b == 95 || b == 9 { space = n > 0; continue }
                if space { buf[n] = 32; n += 1; space = false }
                buf[n] = b >= 65 && b <= 90 ? b + 32 : b
                n += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
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
        var raw = raw
        return raw.withUTF8 { normalise($0) }
    }

    /// The same from UTF-8 bytes (ASCII upper-casing; spaces and dots dropped).
    public static func normalise(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        guard raw.count <= 8 else { return unknown }
        let code = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { buf -> String in
            var n = 0
            for b in raw where b != 32 && b != 46 {
                buf[n] = b >= 97 && b <= 122 ? b - 32 : b
                n += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
        }
        if code.utf8.count == 2, CountryCodes.alpha2.contains(code) { return code }
        if code.utf8.count == 3, let a2 = CountryCodes.alpha3ToAlpha2[code] { return a2 }
        return signs[code] ?? unknown
    }
}
