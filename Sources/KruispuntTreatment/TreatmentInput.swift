import KruispuntANPR

/// The detections of one recomputation window (a local day, plus a look-ahead when pseudonyms
/// link across days) in compact columns: camera and pseudonym interned to small integers.
public struct TreatmentInput: Sendable {
    public private(set) var cameras: [String] = []
    private var cameraIndex: [String: Int32] = [:]
    /// Numeric camera ids (1 to 13 digits, the ANPR contract) by value and length.
    private var numericCameraIndex: [UInt64: Int32] = [:]
    private var pseudonymIndex: [Pseudonym: Int32] = [:]
    /// The pseudonyms by index.
    public private(set) var pseudonyms: [Pseudonym] = []

    public private(set) var millis: [Int64] = []
    public private(set) var camera: [Int32] = []
    public private(set) var pseudonym: [Int32] = []
    /// km/h, NaN when missing.
    public private(set) var speed: [Float] = []
    public private(set) var vehicleClass: [UInt8] = []

    public init() {}

    public var count: Int { millis.count }
    public var pseudonymCount: Int { pseudonymIndex.count }

    public mutating func reserve(_ n: Int) {
        millis.reserveCapacity(n); camera.reserveCapacity(n); pseudonym.reserveCapacity(n)
        speed.reserveCapacity(n); vehicleClass.reserveCapacity(n)
    }

    /// The index of a camera id, interned on first use.
    public mutating func cameraIndex(_ id: String) -> Int32 {
        if let i = cameraIndex[id] { return i }
        let i = Int32(cameras.count)
        cameras.append(id)
        cameraIndex[id] = i
        return i
    }

    /// The index of a camera id given as bytes (fast for numeric ids).
    public mutating func cameraIndex(bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        if bytes.count >= 1 && bytes.count <= 13 {
            var value: UInt64 = 0
            var numeric = true
            for b in bytes {
                guard b >= 48 && b <= 57 else { numeric = false; break }
                value = value &* 10 &+ UInt64(b - 48)
            }
            if numeric {
                let key = value << 4 | UInt64(bytes.count)
                if let i = numericCameraIndex[key] { return i }
                let i = cameraIndex(String(decoding: bytes, as: UTF8.self))
                numericCameraIndex[key] = i
                return i
            }
        }
        return cameraIndex(String(decoding: bytes, as: UTF8.self))
    }

    /// Adds one detection.
    public mutating func append(camera cam: Int32, pseudonym p: Pseudonym, millis ms: Int64, speed s: Double?,
                                vehicleClass c: VehicleClass) {
        let pid: Int32
        if let i = pseudonymIndex[p] { pid = i } else { pid = Int32(pseudonyms.count); pseudonymIndex[p] = pid; pseudonyms.append(p) }
        millis.append(ms)
        camera.append(cam)
        pseudonym.append(pid)
        speed.append(s.map(Float.init) ?? .nan)
        vehicleClass.append(c.code)
    }

    /// Adds one detection.
    public mutating func append(_ d: Detection) {
        append(camera: cameraIndex(d.cameraID), pseudonym: d.pseudonym, millis: d.epochMillis, speed: d.speedKmh,
               vehicleClass: d.vehicleClass)
    }
}

extension VehicleClass {
    /// A small stable code (the position in `allCases`).
    public var code: UInt8 {
        switch self {
        case .car: 0
        case .lightTruck: 1
        case .heavyTruck: 2
        case .bus: 3
        case .motorcycle: 4
        case .unknown: 5
        }
    }
    public init(code: UInt8) { self = Self.allCases[Int(code)] }
}
