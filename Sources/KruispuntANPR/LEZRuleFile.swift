import Foundation
import KruispuntStore

extension LEZRules {
    /// Parses `zone_id,fuel,minimum_euro,valid_from` (an empty `minimum_euro`: the fuel may not
    /// enter from that day on); one bad line refuses the whole file, with every problem listed.
    public static func rules(csv text: String) throws -> [Rule] {
        var seen: [String: Int] = [:]
        return try Registry.rows(text, required: ["zone_id", "fuel", "minimum_euro", "valid_from"], optional: []) { f, line in
            let zone = f["zone_id"]!
            guard !zone.isEmpty, zone.count <= 100 else { throw IngestError("line \(line): zone_id is empty or too long") }
            guard let fuel = VehicleRegistry.fuels[f["fuel"]!.lowercased()] else {
                throw IngestError("line \(line): fuel must be one of \(Set(VehicleRegistry.fuels.values).sorted().joined(separator: ", ")), not \"\(f["fuel"]!)\"")
            }
            var euro: String? = f["minimum_euro"]!.lowercased().replacingOccurrences(of: "euro", with: "").trimmingCharacters(in: .whitespaces)
            if euro == "" || euro == "-" { euro = nil }
            if let e = euro, !["0", "1", "2", "3", "4", "5", "6", "6d"].contains(e) {
                throw IngestError("line \(line): minimum_euro must be 0 to 6, 6d or empty (not allowed), not \"\(f["minimum_euro"]!)\"")
            }
            let from = f["valid_from"]!
            guard from.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
                throw IngestError("line \(line): valid_from must be YYYY-MM-DD, not \"\(from)\"")
            }
            let key = zone + "|" + fuel + "|" + from
            if let first = seen[key] { throw IngestError("line \(line): the same zone, fuel and day as line \(first)") }
            seen[key] = line
            return Rule(zone: zone, fuel: fuel, minimumEuro: euro, validFrom: from)
        }
    }
}
