import Foundation

/// The newest access-log entry a process wrote, kept outside the database in a file of the data
/// folder (`access-log.head`: sequence number and hash). Entries removed from the end of the log
/// break no link of the chain; `AccessLog.verify` finds them when the witness names an entry the
/// log no longer has, or one whose hash changed.
public struct AccessLogWitness: Sendable {
    public let file: URL

    public init(file: URL) { self.file = file }

    /// The entry the file names, if it holds one.
    public func read() -> (seq: Int64, hash: [UInt8])? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let seq = Int64(parts[0]), let hash = AccessLog.bytes(String(parts[1])), hash.count == 32 else { return nil }
        return (seq, hash)
    }

    /// Names `seq` when it is newer than what the file holds (written whole, then renamed).
    public func advance(to seq: Int64, hash: [UInt8]) {
        if let current = read(), current.seq >= seq { return }
        try? (String(seq) + " " + AccessLog.hex(hash) + "\n").write(to: file, atomically: true, encoding: .utf8)
    }
}
