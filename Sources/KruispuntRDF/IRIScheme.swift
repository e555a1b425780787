/// Where Kruispunt's resources live: every IRI it mints is absolute under one base URL, so that
/// each one dereferences on the running server.
///
/// ```swift
/// let iris = IRIScheme(base: "http://localhost:8080")
/// iris.camera("MEC-01")          // http://localhost:8080/id/camera/MEC-01
/// iris.stream("vehicle-counts")  // http://localhost:8080/streams/vehicle-counts
/// ```
public struct IRIScheme: Sendable, Hashable {
    /// The base URL without a trailing slash.
    public let base: String

    public init(base: String) {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        self.base = b
    }

    public func camera(_ id: String) -> String { base + "/id/camera/" + Self.segment(id) }
    public func observation(metric: String, feature: String, period: String, stamp: String) -> String {
        base + "/id/observation/" + metric + "/" + Self.segment(feature) + "/" + period + "/" + stamp
    }
    public func stream(_ name: String) -> String { base + "/streams/" + name }
    public func shape(_ name: String) -> String { base + "/shapes/" + name }
    public var camerasGraph: String { base + "/graph/cameras" }
    /// The graph that links each superseded observation version to the next one
    /// (`<…/v1> dct:isReplacedBy <…/v2>`), so that queries can keep the latest versions alone.
    public var versionsGraph: String { base + "/graph/versions" }

    /// Percent-encodes everything outside the unreserved set of RFC 3986.
    public static func segment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, 45, 46, 95, 126: out.unicodeScalars.append(UnicodeScalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
