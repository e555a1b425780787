import Foundation
import KruispuntRDF
import KruispuntStore

/// The vehicle-registry extract (DIV, EUCARIS) behind the restricted (scenario-2) metrics:
/// `plate_hash,euro_class,first_registration,fuel,category,country`, keyed by the same delivered
/// plate hash as the detections. At load every record is pseudonymised with the detections' own
/// period keys, once per key period that has staged detections (and today and the days ahead),
/// so it joins a detection only inside that period, exactly as detections join each other; the
/// plate hash is not kept. The first registration is kept as a year only (the age bins need no
/// more, and a full date would be a quasi-identifier). A new extract replaces the old one, and a
/// period's rows go when the purge removes the period's detections.
public enum VehicleRegistry {
    /// One record of the extract, normalised.
    public struct Record: Sendable, Equatable {
        public let plateHash: String
        /// `0` to `6`, `6d`; nil for vehicles without one (electric, hydrogen) or unknown.
        public let euroClass: String?
        public let firstRegistrationYear: Int?
        public let fuel: String
        public let category: String
        public let country: String
    }

    static let fuels: [String: String] = [
        "petrol": "petrol", "benzine": "petrol", "gasoline": "petrol", "diesel": "diesel", "electric": "electric",
        "elektrisch": "electric", "elektriciteit": "electric", "hybrid": "hybrid", "hybride": "hybrid", "lpg": "lpg",
        "cng": "cng", "aardgas": "cng", "hydrogen": "hydrogen", "waterstof": "hydrogen", "other": "other", "andere": "other",
    ]

    /// Parses an extract; one bad line refuses the whole file, with every problem listed.
    public static func records(csv text: String, currentYear: Int) throws -> [Record] {
        var seen: [String: Int] = [:]
        return try Registry.rows(text, required: ["plate_hash", "euro_class", "first_registration", "fuel", "category", "country"],
                                                   optional: []) { f, line in
            let plate = f["plate_hash"]!
            guard !plate.isEmpty, plate.count <= 128, !plate.contains(where: { $0 == "\"" || $0.isWhitespace }) else {
                throw IngestError("line \(line): plate_hash must be 1 to 128 characters without spaces or quotes")
            }
            if let first = seen[plate] { throw IngestError("line \(line): the same plate_hash as line \(first)") }
            seen[plate] = line
            var euro: String? = f["euro_class"]!.lowercased().replacingOccurrences(of: "euro", with: "").trimmingCharacters(in: .whitespaces)
            if euro == "" || euro == "-" { euro = nil }
            if let e = euro, !["0", "1", "2", "3", "4", "5", "6", "6d"].contains(e) {
                throw IngestError("line \(line): euro_class must be 0 to 6 or 6d (Euro 6d), not \"\(f["euro_class"]!)\"")
            }
            var year: Int?
            let registered = f["first_registration"]!
            if !registered.isEmpty {
                guard registered.count >= 4, let y = Int(registered.prefix(4)), (1900...currentYear).contains(y),
                      registered.count == 4 || registered.range(of: #"^\d{4}-\d{2}(-\d{2})?$"#, options: .regularExpression) != nil else {
                    throw IngestError("line \(line): first_registration must be YYYY, YYYY-MM or YYYY-MM-DD from 1900 on, not \"\(registered)\"")
                }
                year = y
            }
            guard let fuel = fuels[f["fuel"]!.lowercased()] else {
                throw IngestError("line \(line): fuel must be one of \(Set(fuels.values).sorted().joined(separator: ", ")), not \"\(f["fuel"]!)\"")
            }
            let category = f["category"]!.uppercased().replacingOccurrences(of: "E", with: "e")
            guard category.range(of: #"^(M[1-3]|N[1-3]|L[1-7]e|O[1-4]|T)$"#, options: .regularExpression) != nil else {
                throw IngestError("line \(line): category must be an EU vehicle category (M1-M3, N1-N3, L1e-L7e, O1-O4, T), not \"\(f["category"]!)\"")
            }
            let country = Nationality.normalise(f["country"]!)
            guard country != "unknown" else { throw IngestError("line \(line): country must be a country code, not \"\(f["country"]!)\"") }
            return Record(plateHash: plate, euroClass: euro, firstRegistrationYear: year, fuel: fuel, category: category, country: country)
        }
    }

    /// What a load did.
    public struct Summary: Sendable, Equatable, Codable {
        public var records = 0
        /// Key periods pseudonymised for, by their first local day.
        public var periods: [String] = []
        public var rows = 0
    }

    /// Replaces the stored extract: every record pseudonymised for each key period that has
    /// staged (not purged) detections, and for today and `daysAhead` days after.
    public static func load(_ records: [Record], pseudonymiser: Pseudonymiser, daysAhead: Int, on db: Connection) throws -> Summary {
        try db.transaction {
            let today = BrusselsTime.localDay(Int64(Date().timeIntervalSince1970 * 1000))
            let staged = try db.query("""
                SELECT DISTINCT (day - DATE '1970-01-01') FROM ingest_camera_days c
                WHERE NOT EXISTS (SELECT 1 FROM treatment_days t WHERE t.day = c.day AND t.purged)
                """).compactMap { $0[0].flatMap(Int.init) }
            let rotation = pseudonymiser.rotation
            let periods = Set((staged + Array(today...(today + max(0, daysAhead)))).map { rotation.period(atEpochMillis: BrusselsTime.dayStart($0) + 43_200_000) }).sorted()
            var pseudonymiser = pseudonymiser
            try db.execute("DELETE FROM vehicle_registry")
            var summary = Summary(records: records.count, periods: periods.map { BrusselsTime.format(BrusselsTime.dayStart($0)).prefix(10).description })
            try db.copyIn("COPY vehicle_registry (pseudonym, period_first, period_last, euro_class, first_registration_year, fuel, category, country) FROM STDIN") { send in
                var chunk = ""
                for period in periods {
                    let instant = BrusselsTime.dayStart(period) + 43_200_000
                    let first = BrusselsTime.format(BrusselsTime.dayStart(period)).prefix(10)
                    let last = rotation == .none ? "9999-12-31" : BrusselsTime.format(BrusselsTime.dayStart(period + (rotation == .week ? 6 : 0))).prefix(10)
                    for r in records {
                        let pseudonym = Array(r.plateHash.utf8).withUnsafeBufferPointer { pseudonymiser.pseudonym(plate: $0, atEpochMillis: instant) }
                        chunk += "\\" + pseudonym.byteaHex + "\t\(first)\t\(last)\t\(r.euroClass ?? "\\N")\t\(r.firstRegistrationYear.map(String.init) ?? "\\N")\t"
                        chunk += "\(r.fuel)\t\(r.category)\t\(r.country)\n"
                        summary.rows += 1
                        if chunk.utf8.count > 1 << 17 { try send(chunk); chunk = "" }
                    }
                }
                if !chunk.isEmpty { try send(chunk) }
            }
            // The restricted metrics of every day still staged are computed again with this extract.
            try db.execute("UPDATE treatment_days SET dirty = true WHERE NOT purged")
            return summary
        }
    }
}
