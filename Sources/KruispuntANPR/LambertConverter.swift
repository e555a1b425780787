import CProj
import Synchronization

/// Belgian Lambert coordinates to WGS84 through PROJ (EPSG definitions from proj.db, with
/// PROJ's choice of datum transformation). A PROJ object is not thread-safe: calls take a lock.
///
/// ```swift
/// let lambert = try LambertConverter(.lambert72)
/// let (lat, lon) = try lambert.wgs84(x: 150_000, y: 170_000)
/// ```
public final class LambertConverter: @unchecked Sendable {
    /// The Belgian projected systems detections may use.
    public enum System: String, Sendable {
        case lambert72 = "EPSG:31370", lambert2008 = "EPSG:3812"
    }

    public let system: System
    private let context: OpaquePointer
    private let transform: OpaquePointer
    private let lock = Mutex<Void>(())

    public init(_ system: System) throws {
        self.system = system
        guard let context = proj_context_create() else { throw IngestError("PROJ: cannot create a context") }
        guard let raw = proj_create_crs_to_crs(context, system.rawValue, "EPSG:4326", nil),
              let normalised = proj_normalize_for_visualization(context, raw) else {
            proj_context_destroy(context)
            throw IngestError("PROJ cannot transform \(system.rawValue) to WGS84 (is proj-data installed?)")
        }
        proj_destroy(raw)
        self.context = context
        self.transform = normalised
    }

    deinit {
        proj_destroy(transform)
        proj_context_destroy(context)
    }

    /// WGS84 latitude and longitude of a point, or nil when PROJ cannot transform it.
    public func wgs84(x: Double, y: Double) -> (latitude: Double, longitude: Double)? {
        lock.withLock { _ in
            let out = proj_trans(transform, PJ_FWD, proj_coord(x, y, 0, 0))
            let lon = out.lp.lam, lat = out.lp.phi
            guard lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180 else { return nil }
            return (lat, lon)
        }
    }
}
