import Foundation
import KruispuntRDF
import KruispuntStore

/// The camera and zone registry: `cameras.csv` (`camera_id,backoffice_id,name,latitude,longitude,
/// municipality[,bearing]`) and `zones.csv` (`zone_id,name,camera_id,role[,transit_limit_seconds]`,
/// role entry, exit or inside; the transit limit overrides the treatment's for that zone). A registry file is curated: one bad line refuses the whole file, with every problem
/// listed, and nothing of it is applied.
public enum Registry {
    /// One camera of `cameras.csv`.
    public struct Camera: Sendable, Hashable {
        public let id: String, backofficeID: String, name: String, municipality: String
        public let latitude: Double, longitude: Double, bearing: Double?
    }

    /// One line of `zones.csv`.
    public struct ZoneCamera: Sendable, Hashable {
        public let zoneID: String, zoneName: String, cameraID: String, role: String
        public var transitLimitSeconds: Int? = nil
    }

    /// Parses `cameras.csv`.
    public static func cameras(csv text: String) throws -> [Camera] {
        try rows(text, required: ["camera_id", "backoffice_id", "name", "latitude", "longitude", "municipality"],
                 optional: ["bearing"]) { f, line in
            guard f["camera_id"]!.count <= 13, !f["camera_id"]!.isEmpty, f["camera_id"]!.allSatisfy(\.isASCII),
                  f["camera_id"]!.allSatisfy(\.isNumber) else { throw IngestError("line \(line): camera_id must be 1 to 13 digits") }
            guard let lat = Double(f["latitude"]!), (-90...90).contains(lat),
                  let lon = Double(f["longitude"]!), (-180...180).contains(lon) else {
                throw IngestError("line \(line): latitude/longitude must be WGS84 degrees")
            }
            var bearing: Double?
            if let b = f["bearing"], !b.isEmpty {
                guard let v = Double(b), (0..<360).contains(v) else { throw IngestError("line \(line): bearing must be 0 to 360 degrees") }
                bearing = v
            }
            return Camera(id: f["camera_id"]!, backofficeID: f["backoffice_id"]!, name: f["name"]!,
                          municipality: f["municipality"]!, latitude: lat, longitude: lon, bearing: bearing)
        }
    }

    /// Parses `zones.csv`.
    public static func zones(csv text: String) throws -> [ZoneCamera] {
        try rows(text, required: ["zone_id", "name", "camera_id", "role"], optional: ["transit_limit_seconds"]) { f, line in
            guard !f["zone_id"]!.isEmpty, !f["name"]!.isEmpty else { throw IngestError("line \(line): zone_id and name are required") }
            guard ["entry", "exit", "inside"].contains(f["role"]!.lowercased()) else {
                throw IngestError("line \(line): role must be entry, exit or inside, not \"\(f["role"]!)\"")
            }
            var limit: Int?
            if let text = f["transit_limit_seconds"], !text.isEmpty {
                guard let s = Int(text), s > 0 else { throw IngestError("line \(line): transit_limit_seconds must be a positive number of seconds") }
                limit = s
            }
            return ZoneCamera(zoneID: f["zone_id"]!, zoneName: f["name"]!, cameraID: f["camera_id"]!, role: f["role"]!.lowercased(),
                              transitLimitSeconds: limit)
        }
    }

    /// Stores cameras (registry cameras are reviewed by definition). Returns how many.
    public static func importCameras(_ cameras: [Camera], on db: Connection) throws -> Int {
        try db.transaction {
            for c in cameras {
                try db.query("""
                    INSERT INTO cameras (camera_id, backoffice_id, name, municipality, latitude, longitude, bearing, source, needs_review)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, 'registry', false)
                    ON CONFLICT (camera_id) DO UPDATE SET backoffice_id = excluded.backoffice_id, name = excluded.name,
                        municipality = excluded.municipality, latitude = excluded.latitude, longitude = excluded.longitude,
                        bearing = excluded.bearing, source = 'registry', needs_review = false
                    """, [c.id, c.backofficeID, c.name, c.municipality, String(c.latitude), String(c.longitude), c.bearing.map { String($0) }])
            }
            return cameras.count
        }
    }

    /// Zone outlines from a GeoJSON FeatureCollection whose features carry a `zone_id` property:
    /// each zone's geometry as GeoJSON text, by zone id. Every feature must have a Polygon or
    /// MultiPolygon geometry in WGS84 degrees; one bad feature refuses the file, every problem listed.
    public static func zoneOutlines(geoJSON data: Data) throws -> [String: String] {
        guard let collection = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              collection["type"] as? String == "FeatureCollection", let features = collection["features"] as? [Any] else {
            throw IngestError("not a GeoJSON FeatureCollection")
        }
        var outlines: [String: String] = [:], problems: [String] = []
        for (n, item) in features.enumerated() {
            guard let feature = item as? [String: Any],
                  let id = (feature["properties"] as? [String: Any])?["zone_id"].map({ "\($0)" }), !id.isEmpty else {
                problems.append("feature \(n + 1): no zone_id property")
                continue
            }
            do {
                let geometry = feature["geometry"] ?? NSNull()
                _ = try GeoJSONOutline.wkt(geometry: geometry)
                outlines[id] = String(decoding: try JSONSerialization.data(withJSONObject: geometry, options: [.sortedKeys]), as: UTF8.self)
            } catch {
                problems.append("feature \(n + 1) (zone \(id)): \(error)")
            }
        }
        guard problems.isEmpty else { throw IngestError(problems.joined(separator: "; ")) }
        return outlines
    }

    /// Replaces the zones named in the file (and their cameras); `geojson` maps zone ids to outlines.
    public static func importZones(_ lines: [ZoneCamera], geojson: [String: String] = [:], on db: Connection) throws -> Int {
        try db.transaction {
            let zones = Dictionary(lines.map { ($0.zoneID, $0.zoneName) }, uniquingKeysWith: { a, _ in a })
            var limits: [String: Int] = [:]
            for l in lines { if let s = l.transitLimitSeconds { limits[l.zoneID] = s } }
            for (id, name) in zones.sorted(by: { $0.key < $1.key }) {
                try db.query("""
                    INSERT INTO zones (zone_id, name, geojson, transit_limit_seconds) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (zone_id) DO UPDATE SET name = excluded.name, geojson = coalesce(excluded.geojson, zones.geojson),
                        transit_limit_seconds = excluded.transit_limit_seconds
                    """, [id, name, geojson[id], limits[id].map(String.init)])
                try db.query("DELETE FROM zone_cameras WHERE zone_id = $1", [id])
            }
            for l in lines {
                try db.query("INSERT INTO zone_cameras (zone_id, camera_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                             [l.zoneID, l.cameraID, l.role])
            }
            return zones.count
        }
    }

    /// Splits a small CSV (comma or semicolon) into named fields, collecting every line's problem.
    static func rows<T>(_ text: String, required: [String], optional: [String],
                        _ make: ([String: String], Int) throws -> T) throws -> [T] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces) == "" { lines.removeLast() }
        guard let header = lines.first else { throw IngestError("the file is empty") }
        let separator: Character = header.filter { $0 == ";" }.count > header.filter { $0 == "," }.count ? ";" : ","
        let names = header.split(separator: separator, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = required.filter { !names.contains($0) }
        guard missing.isEmpty else { throw IngestError("the header lacks \(missing.joined(separator: ", ")); nothing was applied") }
        var out: [T] = []
        var problems: [String] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let values = line.split(separator: separator, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard values.count == names.count else { problems.append("line \(i + 1): expected \(names.count) fields, found \(values.count)"); continue }
            let fields = Dictionary(zip(names, values), uniquingKeysWith: { a, _ in a }).filter { required.contains($0.key) || optional.contains($0.key) }
            do { out.append(try make(fields, i + 1)) } catch { problems.append("\(error)") }
        }
        guard problems.isEmpty else { throw IngestError(problems.joined(separator: "\n") + "\nnothing was applied") }
        return out
    }
}
