import Foundation
import KruispuntRDF
import KruispuntStore

/// One batch of parsed input, ready for COPY.
struct ParsedBatch: Sendable {
    var lines = 0
    var detections = 0
    var copyText = ""
    var rejected: [RejectedLine] = []
    var speedsDiscarded = 0
    var cameras: [String: CameraSighting] = [:]
}

/// Parses on its own thread while the database copies the previous batch: reading, validating,
/// pseudonymising and encoding overlap with the server's work. At most `depth` batches wait.
final class ParsePipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Result<ParsedBatch?, any Error>] = []
    private var cancelled = false
    private let depth = 2

    /// Starts parsing `lines` (after the first line, which `format` was told from).
    init(lines: LineSource, first: [UInt8]?, format: DetectionFormat, pseudonymiser: Pseudonymiser,
         batchID: String, batchSize: Int) {
        let state = ProducerState(lines: lines, first: first, format: format, pseudonymiser: pseudonymiser)
        let thread = Thread { [self] in
            do {
                while let batch = try state.next(batchSize: batchSize, batchID: batchID) {
                    guard put(.success(batch)) else { return }
                }
                _ = put(.success(nil))
            } catch {
                _ = put(.failure(error))
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// The next batch; nil at the end of the input.
    func take() throws -> ParsedBatch? {
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let item = queue.removeFirst()
        condition.broadcast()
        condition.unlock()
        return try item.get()
    }

    /// Stops the producer (the consumer failed).
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func put(_ item: Result<ParsedBatch?, any Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(item)
        condition.broadcast()
        return true
    }
}

/// What the parsing thread owns; only that thread touches it after the pipeline starts.
private final class ProducerState: @unchecked Sendable {
    let lines: LineSource
    var first: [UInt8]?
    let format: DetectionFormat
    var pseudonymiser: Pseudonymiser
    var number: Int

    init(lines: LineSource, first: [UInt8]?, format: DetectionFormat, pseudonymiser: Pseudonymiser) {
        self.lines = lines
        self.first = first
        self.format = format
        self.pseudonymiser = pseudonymiser
        self.number = format.firstLineIsData ? 0 : 1
    }

    /// Parses up to `batchSize` detections; nil when the input is exhausted.
    func next(batchSize: Int, batchID: String) throws -> ParsedBatch? {
        var batch = ParsedBatch()
        batch.copyText.reserveCapacity(batchSize * 160)
        var exhausted = false
        while batch.detections < batchSize {
            let result: DetectionCSVReader.LineResult
            if let firstLine = first {
                first = nil
                number += 1
                result = firstLine.withUnsafeBufferPointer { format.read(line: $0, number: number, pseudonymiser: &pseudonymiser) }
            } else if let line = try lines.next() {
                number += 1
                result = format.read(line: line, number: number, pseudonymiser: &pseudonymiser)
            } else {
                exhausted = true
                break
            }
            switch result {
            case .blank: continue
            case .detection(let d):
                batch.detections += 1
                if d.speedDiscarded { batch.speedsDiscarded += 1 }
                batch.cameras[d.cameraID, default: CameraSighting(d)].add(d)
                Self.encode(d, batchID: batchID, to: &batch.copyText)
            case .rejected(let r):
                batch.rejected.append(r)
            }
            batch.lines += 1
        }
        return exhausted && batch.lines == 0 ? nil : batch
    }

    /// One COPY text row of `detections`.
    static func encode(_ d: Detection, batchID: String, to chunk: inout String) {
        chunk += d.fingerprint.uuid; chunk += "\t"
        CopyText.append(d.cameraID, to: &chunk); chunk += "\t"
        CopyText.append(d.backofficeID, to: &chunk); chunk += "\t"
        chunk += "\\"; chunk += d.pseudonym.byteaHex; chunk += "\t"
        chunk += XSDDateTime.format(epochMillis: d.epochMillis, offsetMinutes: 0, zulu: true, alwaysMillis: true)
        chunk += "\t\(d.offsetMinutes)\t"
        chunk += d.latitude.map { String($0) } ?? "\\N"; chunk += "\t"
        chunk += d.longitude.map { String($0) } ?? "\\N"; chunk += "\t"
        CopyText.append(d.nationality, to: &chunk); chunk += "\t"
        chunk += d.speedKmh.map { String($0) } ?? "\\N"; chunk += "\t"
        chunk += d.vehicleClass.rawValue; chunk += "\t"
        chunk += batchID; chunk += "\n"
    }
}
