import Foundation

/// The format of one input, told from its first line: an NDJSON object (`{`) or a CSV header.
/// Both end in the same validation (`DetectionCSVReader`).
struct DetectionFormat {
    private enum Kind { case csv, ndjson }
    private let kind: Kind
    private let reader: DetectionCSVReader
    private let mapping: [String: String]

    /// Whether the first line is already a detection (NDJSON has no header).
    var firstLineIsData: Bool { kind == .ndjson }
    /// The CSV header line as the source wrote it (nil for NDJSON).
    let header: String?

    init(firstLine: UnsafeBufferPointer<UInt8>, mapping: [String: String], crs: LambertConverter.System?, source: String) throws {
        self.mapping = mapping
        let text = String(decoding: firstLine, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\u{FEFF}" }
        if trimmed.first == "{" {
            kind = .ndjson
            header = nil
            reader = try DetectionCSVReader(header: DetectionColumns.header.joined(separator: ","))
        } else {
            kind = .csv
            header = text.hasSuffix("\r") ? String(text.dropLast()) : text
            do {
                reader = try DetectionCSVReader(header: text, mapping: mapping, crs: crs)
            } catch let error as IngestError {
                throw IngestError("\(source): \(error.message); nothing of this file was applied")
            }
        }
    }

    func read(line: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser) -> DetectionCSVReader.LineResult {
        switch kind {
        case .csv:
            return reader.read(line: line, number: number, pseudonymiser: &pseudonymiser)
        case .ndjson:
            return readJSON(line, number: number, pseudonymiser: &pseudonymiser)
        }
    }

    private func readJSON(_ line: UnsafeBufferPointer<UInt8>, number: Int, pseudonymiser: inout Pseudonymiser) -> DetectionCSVReader.LineResult {
        var end = line.count
        while end > 0, line[end - 1] == 13 || line[end - 1] == 32 || line[end - 1] == 9 { end -= 1 }
        if end == 0 { return .blank }
        let bytes = UnsafeBufferPointer(rebasing: line[0..<end])
        let raw = String(decoding: bytes, as: UTF8.self)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .rejected(RejectedLine(lineNumber: number, reason: "not a JSON object", raw: raw))
        }
        let keys = Dictionary(object.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        var values: [String] = []
        for column in DetectionColumns.header {
            let names = [mapping[column]?.lowercased()].compactMap { $0 } + [column] + (DetectionColumns.aliases[column] ?? [])
            let value = names.lazy.compactMap { keys[$0] }.first
            switch value {
            case let s as String: values.append(s)
            case let n as NSNumber: values.append(n.stringValue)
            case nil, is NSNull: values.append("")
            default:
                return .rejected(RejectedLine(lineNumber: number, reason: "\(column) must be a string or a number", raw: raw))
            }
        }
        return reader.read(values: values, raw: bytes, number: number, pseudonymiser: &pseudonymiser)
    }
}
