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

    /// Field positions of the canonical columns in this file.
    private let positions: [Int]
    private let separator: UInt8
    private let fieldCount: Int

    /// Reads the header; throws when a required column is missing.
    public init(header: String) throws {
        var header = header
        if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        let semicolons = header.utf8.filter { $0 == 59 }.count
        let commas = header.utf8.filter { $0 == 44 }.count
        separator = semicolons > commas ? 59 : 44
        let names = header.split(separator: Character(UnicodeScalar(separator)), omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters().lowercased() }
        var positions: [Int] = []
        var missing: [String] = []
        for column in DetectionColumns.header {
            if let i = names.firstIndex(of: column) { positions.append(i) } else { missing.append(column) }
        }
        guard missing.isEmpty else {
            throw IngestError("the header lacks the column(s) \(missing.joined(separator: ", ")); expected \(DetectionColumns.header.joined(separator: ","))")
        }
        self.positions = positions
        self.fieldCount = names.count
    }

    /// Validates one physical line (without its newline).
    public func read(line: UnsafeBufferPointer<UInt8>, number: Int) -> LineResult {
        var end = line.count
        while end > 0, line[end - 1] == 13 || line[end - 1] == 32 { end -= 1 }
        if end == 0 { return .blank }
        let bytes = UnsafeBufferPointer(rebasing: line[0..<end])
        func reject(_ reason: String) -> LineResult {
            .rejected(RejectedLine(lineNumber: number, reason: reason, raw: String(decoding: bytes, as: UTF8.self)))
        }
        guard let fields = split(bytes) else { return reject("unbalanced quotes") }
        guard fields.count == fieldCount else {
            return reject("expected \(fieldCount) fields, found \(fields.count)")
        }
        func field(_ column: Int) -> Substring { fields[positions[column]] }

        let camera = field(0).trimmingCharacters()
        guard !camera.isEmpty else { return reject("camera_id is empty") }
        guard camera.utf8.count <= 64, camera.utf8.allSatisfy({ $0 > 32 && $0 != 47 && $0 < 127 }) else {
            return reject("camera_id must be 1 to 64 printable ASCII characters without spaces or '/'")
        }
        let stampText = field(2).trimmingCharacters()
        guard let stamp = XSDDateTime(stampText) else {
            return reject("timestamp \"\(stampText.prefix(40))\" is not ISO 8601 (YYYY-MM-DDThh:mm:ss.sss+hh:mm)")
        }
        guard stamp.hasOffset else { return reject("timestamp \"\(stampText)\" has no offset (Z or +hh:mm)") }
        guard let latitude = Double(field(3).trimmingCharacters()), latitude.isFinite, (-90...90).contains(latitude) else {
            return reject("latitude \"\(field(3).prefix(20))\" is not a number between -90 and 90")
        }
        guard let longitude = Double(field(4).trimmingCharacters()), longitude.isFinite, (-180...180).contains(longitude) else {
            return reject("longitude \"\(field(4).prefix(20))\" is not a number between -180 and 180")
        }
        let plate = field(5).trimmingCharacters()
        guard !plate.isEmpty else { return reject("plate_hash is empty") }
        var speed: Double?
        let speedText = field(7).trimmingCharacters()
        if !speedText.isEmpty {
            guard let s = Double(speedText), s.isFinite, s >= 0, s <= 400 else {
                return reject("speed_kmh \"\(speedText.prefix(20))\" is not a number between 0 and 400")
            }
            speed = s
        }
        // Per-detection fingerprint: identical detections share it, different detections of the
        // same vehicle do not (the instant and camera are part of it), so it links nothing.
        let fingerprint = TermKey(bytes: Array("\(camera)\u{1F}\(stamp.epochMillis)\u{1F}\(plate)".utf8))
        return .detection(Detection(
            cameraID: camera, backofficeID: field(1).trimmingCharacters(),
            epochMillis: stamp.epochMillis, offsetMinutes: stamp.offsetMinutes,
            latitude: latitude, longitude: longitude,
            nationality: field(6).trimmingCharacters().uppercased(), speedKmh: speed,
            vehicleType: field(8).trimmingCharacters().lowercased(),
            fingerprint: TermKeyLike(uuid: fingerprint.uuid)))
    }

    /// Splits a line on the separator, honouring double quotes; nil when quotes are unbalanced.
    private func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Substring]? {
        let text = String(decoding: bytes, as: UTF8.self)
        if !bytes.contains(34) {
            return text.split(separator: Character(UnicodeScalar(separator)), omittingEmptySubsequences: false)
        }
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

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

/// An error a user can fix in their input (a bad header, an unreadable file).
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
