import KruispuntRDF
import KruispuntStore

/// The cameras and zones the filters choose from (the registry tables: municipality and zone
/// outlines are there, not in the published graph).
public struct Registry: Sendable {
    public struct Camera: Sendable {
        public let id: String
        public let name: String
        public let municipality: String?
        public let latitude: Double?
        public let longitude: Double?
    }

    public struct Zone: Sendable {
        public let id: String
        public let name: String
        /// The outline as GeoJSON, when one was imported.
        public let geojson: String?
        /// Camera ids by role (`entry`, `exit`, `inside`).
        public let cameras: [(id: String, role: String)]
    }

    public let cameras: [Camera]
    public let zones: [Zone]

    public init(cameras: [Camera], zones: [Zone]) {
        self.cameras = cameras
        self.zones = zones
    }

    public static func load(on db: Connection) throws -> Registry {
        let cameras = try db.query("""
            SELECT camera_id, coalesce(name, ''), municipality, latitude, longitude FROM cameras ORDER BY camera_id
            """).map { r in
            Camera(id: r[0] ?? "", name: r[1] ?? "", municipality: r[2], latitude: r[3].flatMap(Double.init), longitude: r[4].flatMap(Double.init))
        }
        var members: [String: [(id: String, role: String)]] = [:]
        for r in try db.query("SELECT zone_id, camera_id, role FROM zone_cameras ORDER BY zone_id, role, camera_id") {
            members[r[0] ?? "", default: []].append((r[1] ?? "", r[2] ?? ""))
        }
        let zones = try db.query("SELECT zone_id, name, geojson FROM zones ORDER BY zone_id").map { r in
            Zone(id: r[0] ?? "", name: r[1] ?? "", geojson: r[2], cameras: members[r[0] ?? ""] ?? [])
        }
        return Registry(cameras: cameras, zones: zones)
    }

    /// Only the cameras and zones among `features` (`camera:ID`, `zone:ID`): a restricted
    /// reader's filters offer its own.
    public func narrowed(to features: [String]) -> Registry {
        let kept = Set(features)
        return Registry(cameras: cameras.filter { kept.contains("camera:" + $0.id) }, zones: zones.filter { kept.contains("zone:" + $0.id) })
    }

    public var municipalities: [String] { Array(Set(cameras.compactMap(\.municipality))).sorted() }

    /// The camera ids the location filters leave, or nil when they leave every camera (no
    /// restriction needed). Unknown cameras or zones leave none.
    public func cameraIDs(_ f: DashboardFilters) -> [String]? {
        guard !f.cameras.isEmpty || f.zone != nil || f.municipality != nil || f.box != nil else { return nil }
        var ids = cameras.map(\.id)
        if !f.cameras.isEmpty { ids = ids.filter(f.cameras.contains) }
        if let z = f.zone {
            let inZone = Set(zones.first { $0.id == z }?.cameras.map(\.id) ?? [])
            ids = ids.filter(inZone.contains)
        }
        if let m = f.municipality {
            let there = Set(cameras.filter { $0.municipality?.lowercased() == m.lowercased() }.map(\.id))
            ids = ids.filter(there.contains)
        }
        if let box = f.box {
            let inside = Set(cameras.filter { c in
                guard let lat = c.latitude, let lon = c.longitude else { return false }
                return box.contains(latitude: lat, longitude: lon)
            }.map(\.id))
            ids = ids.filter(inside.contains)
        }
        return ids
    }

    /// The zone ids the location filters leave (a zone whose cameras the filters all keep), or
    /// nil for every zone.
    public func zoneIDs(_ f: DashboardFilters) -> [String]? {
        if let z = f.zone { return zones.contains { $0.id == z } ? [z] : [] }
        guard let cams = cameraIDs(f) else { return nil }
        let kept = Set(cams)
        return zones.filter { z in !z.cameras.isEmpty && z.cameras.contains { kept.contains($0.id) } }.map(\.id)
    }

    public func camera(_ id: String) -> Camera? { cameras.first { $0.id == id } }
}
