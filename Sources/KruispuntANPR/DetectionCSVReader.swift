import Foundation
import KruispuntRDF
import KruispuntStore

/// Reads the canonical detection CSV (comma or semicolon separated, detected from the header),
/// validating every line. Good lines become `Detection`s; bad lines become `RejectedLine`s with
/// their 1-based line number (the header is line 1) and a reason. Never throws on bad data lines.
///
/// ```swift
/// var reader = try DetectionCSVReader(header: firstLine)
/// let result = reader.read(line: bytes, number: 2)
/// ```
public struct DetectionCSVReader: Sendable {
    public enum LineResult: Sendable {
        case detection(Detection)
        case rejected(RejectedLine)
        case blank
    }

    /// Field positions of the canonical columns in this file, then of Lambert x and y (-1: absent).
    private let positions: [Int]
    /// Converts Lambert x/y to WGS84 when the file gives projected coordinates.
    private let lambert: LambertConverter?
    private let separator: UInt8
    private let fieldCount: Int

    /// Reads the header; throws when a required column is missing. `mapping` gives the source
    /// name of canonical columns; Dutch and English aliases are recognised without it.
    public init(header: String, mapping: [String: String] = [:], crs: LambertConverter.System? = nil) throws {
        var header = header
        if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        while header.hasSuffix("\r") || header.hasSuffix("\r\n") { header.removeLast() }
        let semicolons = header.utf8.filter { $0 == 59 }.count
        let commas = header.utf8.filter { $0 == 44 }.count
        separator = semicolons > commas ? 59 : 44
        let names = header.split(separator: Character(UnicodeScalar(separator)), omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var positions: [Int] = []
        var missing: [String] = []
        // Projected coordinates: named Lambert columns, or x/y with an explicit CRS.
        let lambertColumns: [(LambertConverter.System, [String], [String])] = [
            (.lambert72, ["x_lambert72", "lambert72_x"], ["y_lambert72", "lambert72_y"]),
            (.lambert2008, ["x_lambert2008", "lambert2008_x"], ["y_lambert2008", "lambert2008_y"]),
        ] + (crs.map { [($0, ["x"], ["y"])] } ?? [])
        var lambert: (LambertConverter.System, Int, Int)?
        for (system, xs, ys) in lambertColumns {
            if let x = xs.lazy.compactMap({ names.firstIndex(of: $0) }).first,
               let y = ys.lazy.compactMap({ names.firstIndex(of: $0) }).first { lambert = (system, x, y); break }
        }
        for column in DetectionColumns.header {
            let candidates = [mapping[column]?.lowercased()].compactMap { $0 } + [column] + (DetectionColumns.aliases[column] ?? [])
            if let i = candidates.lazy.compactMap({ names.firstIndex(of: $0) }).first { positions.append(i) }
            else if lambert != nil, column == "latitude" || column == "longitude" { positions.append(-1) }
            else { missing.append(column) }
        }
        guard missing.isEmpty else {
            throw IngestError("the header lacks the column(s) \(missing.joined(separator: ", ")); expected \(DetectionColumns.header.joined(separator: ","))")
        }
        if crs != nil, lambert == nil {
            throw IngestError("--crs \(crs!.rawValue) needs x and y columns")
        }
        positions += [lambert?.1 ?? -1, lambert?.2 ?? -1]
        self.lambert = try lambert.map { try LambertConverter($0.0) }
        self.positions = positions
        self.fieldCount = names.count
    }

    /// Validates one physical line (without its newline); the plate hash is replaced by its
    /// pseudonym and not kept.
    public func read(line: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser) -> LineResult {
        var end = line.count
        while end > 0, line[end - 1] == 13 || line[end - 1] == 32 { end -= 1 }
        if end == 0 { return .blank }
        let bytes = UnsafeBufferPointer(rebasing: line[0..<end])
        if bytes.contains(0) {
            return .rejected(RejectedLine(lineNumber: number, reason: "the line contains a NUL byte",
                                          raw: String(decoding: bytes.lazy.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)))
        }
        if bytes.contains(34) || fieldCount > 63 { return readQuoted(bytes, number: number, pseudonymiser: &pseudonymiser) }
        // Fast path: field boundaries found on the bytes, no intermediate strings.
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 64) { ranges in
            var count = 0, start = 0
            for i in 0..<bytes.count where bytes[i] == separator {
                if count < 63 { ranges[count] = start..<i }
                count += 1
                start = i + 1
            }
            if count < 63 { ranges[count] = start..<bytes.count }
            count += 1
            guard count == fieldCount else {
                return reject(bytes, number, "expected \(fieldCount) fields, found \(count)")
            }
            return validate(bytes, number: number, pseudonymiser: &pseudonymiser) { column in
                guard positions[column] >= 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
                var r = ranges[positions[column]]
                while r.lowerBound < r.upperBound, bytes[r.lowerBound] == 32 || bytes[r.lowerBound] == 9 { r = (r.lowerBound + 1)..<r.upperBound }
                while r.lowerBound < r.upperBound, bytes[r.upperBound - 1] == 32 || bytes[r.upperBound - 1] == 9 { r = r.lowerBound..<(r.upperBound - 1) }
                return UnsafeBufferPointer(rebasing: bytes[r])
            }
        }
    }

    /// Validates values given in canonical column order (from NDJSON, say).
    func read(values: [String], raw: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser) -> LineResult {
        var joined: [UInt8] = []
        var ranges: [Range<Int>] = []
        for v in values {
            let start = joined.count
            joined.append(contentsOf: v.trimmingCharacters(in: .whitespaces).utf8)
            ranges.append(start..<joined.count)
        }
        return joined.withUnsafeBufferPointer { all in
            validate(raw, number: number, pseudonymiser: &pseudonymiser) { UnsafeBufferPointer(rebasing: all[ranges[$0]]) }
        }
    }

    /// Instants Kruispunt accepts: from 2000-01-01 to a day after now.
    static let earliest: Int64 = 946_684_800_000
    static func latest() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000 }

    /// A field value quoted in a rejection reason. Reasons reach the operator's screen, the
    /// upload response and the quarantine API, so a value that could be a plate hash (16 or
    /// more letters and digits only, as when columns are misaligned) is described, not shown.
    static func excerpt(_ b: UnsafeBufferPointer<UInt8>, _ limit: Int) -> String {
        let alphanumeric = b.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
        if b.count >= 16 && alphanumeric { return "(\(b.count) letters and digits, not shown)" }
        return String(decoding: UnsafeBufferPointer(rebasing: b[0..<min(b.count, limit)]), as: UTF8.self)
    }

    private func readQuoted(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser) -> LineResult {
        guard let fields = split(bytes) else { return reject(bytes, number, "unbalanced quotes") }
        guard fields.count == fieldCount else {
            return reject(bytes, number, "expected \(fieldCount) fields, found \(fields.count)")
        }
        // The unquoted, trimmed values side by side in one buffer.
        var joined: [UInt8] = []
        var ranges: [Range<Int>] = []
        for p in positions {
            let start = joined.count
            if p >= 0 { joined.append(contentsOf: fields[p].trimmingCharacters(in: .whitespaces).utf8) }
            ranges.append(start..<joined.count)
        }
        return joined.withUnsafeBufferPointer { all in
            validate(bytes, number: number, pseudonymiser: &pseudonymiser) { UnsafeBufferPointer(rebasing: all[ranges[$0]]) }
        }
    }

    private func reject(_ bytes: UnsafeBufferPointer<UInt8>, _ number: Int, _ reason: String) -> LineResult {
        .rejected(RejectedLine(lineNumber: number, reason: reason, raw: String(decoding: bytes, as: UTF8.self)))
    }

    /// Checks the canonical fields; `field(i)` gives column i (in canonical order), trimmed.
    private func validate(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser,
                          field: (Int) -> UnsafeBufferPointer<UInt8>) -> LineResult {
        func text(_ b: UnsafeBufferPointer<UInt8>, _ limit: Int = 40) -> String { Self.excerpt(b, limit) }
        let camera = field(0)
        guard (1...13).contains(camera.count), camera.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return reject(bytes, number, camera.isEmpty ? "camera_id is empty"
                          : "camera_id \"\(text(camera, 20))\" is not 1 to 13 digits")
        }
        let cameraID = String(decoding: camera, as: UTF8.self)
        var instant: Int64?
        func refuse(_ reason: String) -> LineResult {
            .rejected(RejectedLine(lineNumber: number, reason: reason, raw: String(decoding: bytes, as: UTF8.self),
                                   cameraID: cameraID, epochMillis: instant))
        }
        let stampBytes = field(2)
        guard let stamp = XSDDateTime.parse(stampBytes) else {
            return refuse("timestamp \"\(text(stampBytes))\" is not an ISO 8601 instant with seconds (YYYY-MM-DDThh:mm:ss[.sss]+hh:mm)")
        }
        guard stamp.hasOffset else { return refuse("timestamp \"\(text(stampBytes))\" has no offset (Z or +hh:mm)") }
        guard stamp.epochMillis >= Self.earliest, stamp.epochMillis <= Self.latest() else {
            return refuse("timestamp \"\(text(stampBytes))\" lies before 2000 or more than a day in the future")
        }
        instant = stamp.epochMillis
        let latBytes = field(3), lonBytes = field(4)
        var latitude: Double?, longitude: Double?
        if !latBytes.isEmpty || !lonBytes.isEmpty {
            guard let lat = DecimalParser.parse(latBytes), (-90...90).contains(lat) else {
                return refuse("latitude \"\(text(latBytes, 20))\" is not a number between -90 and 90")
            }
            guard let lon = DecimalParser.parse(lonBytes), (-180...180).contains(lon) else {
                return refuse("longitude \"\(text(lonBytes, 20))\" is not a number between -180 and 180")
            }
            latitude = lat
            longitude = lon
        } else if let lambert {
            let xBytes = field(9), yBytes = field(10)
            if !xBytes.isEmpty || !yBytes.isEmpty {
                guard let x = DecimalParser.parse(xBytes), let y = DecimalParser.parse(yBytes) else {
                    return refuse("Lambert x/y \"\(text(xBytes, 20))\", \"\(text(yBytes, 20))\" are not numbers")
                }
                guard let point = lambert.wgs84(x: x, y: y) else {
                    return refuse("Lambert x/y \(x), \(y) cannot be converted to WGS84 (\(lambert.system.rawValue))")
                }
                latitude = point.latitude
                longitude = point.longitude
            }
        }
        let plate = field(5)
        guard !plate.isEmpty else { return refuse("plate_hash is empty") }
        var speed: Double?
        var speedDiscarded = false
        let speedBytes = field(7)
        if !speedBytes.isEmpty {
            guard let s = DecimalParser.parse(speedBytes) else {
                return refuse("speed_kmh \"\(text(speedBytes, 20))\" is not a number")
            }
            // Implausible speeds are kept as missing; the detection itself is sound.
            if s > 0 && s <= 250 { speed = s } else { speedDiscarded = true }
        }
        let pseudonym = pseudonymiser.pseudonym(plate: plate, atEpochMillis: stamp.epochMillis)
        // Per-detection fingerprint of (camera, instant, pseudonym): identical detections share
        // it; it links nothing (the instant is part of it) and, being keyed through the
        // pseudonym, cannot be tested against a list of plate hashes.
        let fingerprint = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: camera.count + 26) { buf in
            var i = 0
            for b in camera { buf[i] = b; i += 1 }
            buf[i] = 0x1F; i += 1
            var ms = UInt64(bitPattern: stamp.epochMillis)
            for _ in 0..<8 { buf[i] = UInt8(truncatingIfNeeded: ms); ms >>= 8; i += 1 }
            buf[i] = 0x1F; i += 1
            for word in [pseudonym.high, pseudonym.low] {
                var w = word
                for _ in 0..<8 { buf[i] = UInt8(truncatingIfNeeded: w); w >>= 8; i += 1 }
            }
            let hash = TermKey(buffer: UnsafeBufferPointer(rebasing: buf[0..<i]))
            // Time first (48 bits of epoch ms, as in UUIDv7), then 80 bits of the hash: duplicates
            // still collide, and chronological input appends to the unique index's right edge.
            return TermKey(high: UInt64(bitPattern: stamp.epochMillis) << 16 | hash.high >> 48, low: hash.low)
        }
        return .detection(Detection(
            cameraID: cameraID,
            backofficeID: String(decoding: field(1), as: UTF8.self),
            epochMillis: stamp.epochMillis, offsetMinutes: stamp.offsetMinutes,
            latitude: latitude, longitude: longitude,
            nationality: Nationality.normalise(field(6)),
            speedKmh: speed, speedDiscarded: speedDiscarded,
            vehicleClass: VehicleClass(normalising: field(8)),
            pseudonym: pseudonym, fingerprint: fingerprint))
    }

    /// Splits a line on the separator, honouring double quotes; nil when quotes are unbalanced.
    private func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Substring]? {
        let text = String(decoding: bytes, as: UTF8.self)
        var fields: [Substring] = []
        var current = ""
        var quoted = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c.asciiValue == separator {
                fields.append(Substring(current)); current = ""
            } else {
                current.append(c)
            }
        }
        if quoted { return nil }
        fields.append(Substring(current))
        return fields
    }
}


/// An error a user can fix in their input (a bad header, an unreadable file).
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Decimal numbers from bytes: `[+-]digits[.digits][e[+-]digits]`, correctly rounded for the
/// usual coordinate and speed forms (at most 19 significant digits), nil otherwise.
enum DecimalParser {
    static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, negative = false
        if i < b.count, b[i] == 45 || b[i] == 43 { negative = b[i] == 45; i += 1 }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0
        while i < b.count, b[i] >= 48, b[i] <= 57 { mantissa = mantissa &* 10 &+ UInt64(b[i] - 48); digits += 1; i += 1 }
        if i < b.count, b[i] == 46 {
            i += 1
            while i < b.count, b[i] >= 48, b[i] <= 57 { mantissa = mantissa &* 10 &+ UInt64(b[i] - 48); digits += 1; fraction += 1; i += 1 }
        }
        guard digits > 0, digits <= 19 else { return digits > 19 ? slow(b) : nil }
        if i < b.count, b[i] == 101 || b[i] == 69 { return slow(b) }
        guard i == b.count else { return nil }
        let exponent = -fraction
        var value = Double(mantissa)
        if mantissa >= 1 << 53 || -exponent > 22 { return slow(b) }
        if exponent < 0 { value /= powers[-exponent] }
        return negative ? -value : value
    }

    private static func slow(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let v = Double(String(decoding: b, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }
}
