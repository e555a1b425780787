import Foundation
import KruispuntStore
import Logging

/// A watched drop folder: every file that has stopped growing is ingested once, then moved to
/// `processed/` (or to `failed/`, with a `.reason.txt`, when it is refused as a whole). Files whose
/// names start with `.` or end in `.part`, `.tmp` or `.partial` are still being written and wait.
/// The upload key (name, size, modification time) makes a crash between the commit and the move
/// harmless: the file is recognised and moved without being applied twice.
public final class DropFolder {
    public let directory: URL
    private let ingestor: Ingestor
    private let logger: Logger
    private var lastSeen: [String: (size: Int, modified: Date)] = [:]
    private var failures: [String: Int] = [:]
    /// Files in processed/ and failed/ hold plate hashes: they go after this many hours.
    public var retentionHours: Double = 72

    public init(directory: URL, ingestor: Ingestor, logger: Logger) throws {
        self.directory = directory
        self.ingestor = ingestor
        self.logger = logger
        for sub in ["processed", "failed"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    /// One pass: ingests the files that are ready. With `requireStable`, a file must have had the
    /// same size and modification time at the previous pass. Returns (file name, outcome) pairs.
    @discardableResult
    public func scan(on db: Connection, requireStable: Bool = true) -> [(String, Result<IngestSummary, any Error>)] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        var outcomes: [(String, Result<IngestSummary, any Error>)] = []
        var seen: [String: (size: Int, modified: Date)] = [:]
        for name in names where !name.hasPrefix(".") && !["processed", "failed"].contains(name)
            && ![".part", ".tmp", ".partial"].contains(where: { name.hasSuffix($0) }) {
            let file = directory.appendingPathComponent(name)
            guard let attributes = try? fm.attributesOfItem(atPath: file.path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = (attributes[.size] as? NSNumber)?.intValue,
                  let modified = attributes[.modificationDate] as? Date else { continue }
            seen[name] = (size, modified)
            if requireStable, lastSeen[name]?.size != size || lastSeen[name]?.modified != modified { continue }
            let key = "drop:\(name):\(size):\(Int(modified.timeIntervalSince1970 * 1000))"
            do {
                let summary = try ingestor.ingest(path: file.path, source: "drop:" + name, idempotencyKey: key, on: db) { _, _ in }
                try move(file, to: "processed")
                outcomes.append((name, .success(summary)))
            } catch let error as IngestError {
                logger.warning("refused \(name): \(error.message)")
                try? move(file, to: "failed", reason: error.message)
                outcomes.append((name, .failure(error)))
            } catch {
                // The database may be away: leave the file for the next pass, but not for ever.
                failures[key, default: 0] += 1
                logger.error("could not ingest \(name) now (attempt \(failures[key]!)): \(error)")
                if failures[key]! >= 5 {
                    try? move(file, to: "failed", reason: "gave up after 5 attempts: \(error)")
                    failures[key] = nil
                }
                outcomes.append((name, .failure(error)))
            }
            seen[name] = nil
        }
        lastSeen = seen
        purgeOldFiles()
        return outcomes
    }

    /// Deletes files in processed/ and failed/ older than the retention (raw data, plate hashes).
    private func purgeOldFiles() {
        let fm = FileManager.default
        let horizon = Date().addingTimeInterval(-retentionHours * 3600)
        for folder in ["processed", "failed"] {
            let dir = directory.appendingPathComponent(folder)
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] {
                let path = dir.appendingPathComponent(name).path
                if let modified = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < horizon {
                    try? fm.removeItem(atPath: path)
                }
            }
        }
    }

    private func move(_ file: URL, to folder: String, reason: String? = nil) throws {
        var target = directory.appendingPathComponent(folder).appendingPathComponent(file.lastPathComponent)
        if FileManager.default.fileExists(atPath: target.path) {
            target = target.deletingLastPathComponent()
                .appendingPathComponent("\(Int(Date().timeIntervalSince1970))-\(file.lastPathComponent)")
        }
        try FileManager.default.moveItem(at: file, to: target)
        if let reason {
            try Data((reason + "\n").utf8).write(to: target.appendingPathExtension("reason.txt"))
        }
    }
}
