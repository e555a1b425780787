import Foundation

/// A zone outline: a GeoJSON `Polygon` or `MultiPolygon` geometry (WGS84 longitude, latitude),
/// checked and written as a GeoSPARQL WKT literal (`POLYGON((lon lat, …))`), which is how the
/// published graph carries geometry.
public enum GeoJSONOutline {
    /// The WKT of a GeoJSON geometry object; throws `GeoJSONOutlineError` naming what is wrong.
    public static func wkt(geometry: Any) throws -> String {
        guard let object = geometry as? [String: Any], let type = object["type"] as? String else {
            throw GeoJSONOutlineError("a geometry must be an object with a \"type\"")
        }
        switch type {
        case "Polygon":
            return "POLYGON" + (try polygon(object["coordinates"]))
        case "MultiPolygon":
            guard let polygons = object["coordinates"] as? [Any], !polygons.isEmpty else {
                throw GeoJSONOutlineError("a MultiPolygon needs at least one polygon")
            }
            return "MULTIPOLYGON(" + (try polygons.map(polygon).joined(separator: ", ")) + ")"
        default:
            throw GeoJSONOutlineError("a zone outline must be a Polygon or MultiPolygon, not \(type)")
        }
    }

    /// The WKT of a GeoJSON geometry given as JSON text.
    public static func wkt(json: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else {
            throw GeoJSONOutlineError("the geometry is not JSON")
        }
        return try wkt(geometry: object)
    }

    /// `((x y, …), (x y, …))`: an outer ring and its holes, each closed, at least four positions.
    private static func polygon(_ value: Any?) throws -> String {
        guard let rings = value as? [Any], !rings.isEmpty else { throw GeoJSONOutlineError("a polygon needs at least one ring") }
        return "(" + (try rings.map { ring -> String in
            guard let positions = ring as? [Any], positions.count >= 4 else {
                throw GeoJSONOutlineError("a ring needs at least four positions")
            }
            let points = try positions.map { p -> (Double, Double) in
                guard let pair = p as? [Any], pair.count >= 2, let lon = number(pair[0]), let lat = number(pair[1]),
                      (-180...180).contains(lon), (-90...90).contains(lat) else {
                    throw GeoJSONOutlineError("a position must be [longitude, latitude] in WGS84 degrees")
                }
                return (lon, lat)
            }
            guard points.first! == points.last! else { throw GeoJSONOutlineError("a ring must end where it starts") }
            return "(" + points.map { "\(format($0.0)) \(format($0.1))" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")) + ")"
    }

    private static func number(_ value: Any) -> Double? {
        guard let d = (value as? NSNumber)?.doubleValue, d.isFinite else { return nil }
        return d
    }

    private static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}

/// A GeoJSON outline that is not a usable zone geometry.
public struct GeoJSONOutlineError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
