import Foundation
import KruispuntRDF

/// Direct database sessions of anyone but the platform, as PostgreSQL's pgaudit extension logs
/// them, brought into the access log (kind `database`). The embedded cluster loads pgaudit when
/// Debian's package is installed and writes its server log (`postgresql.log`) with Kruispunt's
/// line prefix; the platform's own connections switch auditing off (they are in the access log
/// already). `importNew` reads the log from where it stopped and appends the audit lines, with the
/// new position, in one transaction: nothing is lost or read twice.
public enum DatabaseAudit {
    /// The embedded cluster's settings when pgaudit is installed (catalogue-only statements, such
    /// as psql's `\d`, are left out).
    public static let settings = """
        # Direct sessions are audited (pgaudit); Kruispunt's own connections switch it off.
        shared_preload_libraries = 'pgaudit'
        pgaudit.log = 'read, write, function, role, ddl, misc_set'
        pgaudit.log_catalog = off
        pgaudit.log_parameter = off
        log_line_prefix = '%m [%p] %q<%u@%d|%a|%h> '
        """

    /// What the platform's own connections set (a placeholder setting when pgaudit is absent).
    public static let platformOptions = "-c pgaudit.log=none"

    /// Where the import stopped: `settings` key, value `inode:offset`.
    static let positionKey = "pgaudit_position"

    /// Longest statement text kept per entry.
    static let maxStatementBytes = 100_000

    /// Reads the audit lines written to `logFile` since the last import and appends them to the
    /// access log; returns how many.
    @discardableResult
    public static func importNew(logFile: URL, witness: AccessLogWitness? = nil, on db: Connection) throws -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: logFile.path),
              let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value,
              let size = (attributes[.size] as? NSNumber)?.intValue else { return 0 }
        let stored = try StoreSettings.value(positionKey, on: db)?.split(separator: ":").compactMap { UInt64($0) }
        // Another file (a new cluster) or a shorter one (truncated): read it from the start.
        var offset = 0
        if let stored, stored.count == 2, stored[0] == inode, Int(stored[1]) <= size { offset = Int(stored[1]) }
        guard size > offset, let handle = FileHandle(forReadingAtPath: logFile.path) else { return 0 }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: min(size - offset, 8 << 20)) ?? Data()
        let (entries, consumed) = parse(String(decoding: data, as: UTF8.self))
        guard consumed > 0 else { return 0 }
        let position = "\(inode):\(offset + consumed)"
        try AccessLog.append(entries, on: db, alsoSetting: (positionKey, position), witness: witness)
        return entries.count
    }

    /// The audit entries of `text` and how many bytes of it they (and the other complete records
    /// before them) take. A record starts with a line that starts with a time stamp; the last one
    /// counts only when complete (an audit line ends with pgaudit's parameter field).
    static func parse(_ text: String) -> (entries: [AccessLog.Entry], consumed: Int) {
        var records: [(text: String, end: Int)] = []
        var current: [Substring] = []
        var offset = 0
        // The last piece has no line break yet (or is empty): it waits for the next import.
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if startsWithStamp(line), !current.isEmpty {
                records.append((current.joined(separator: "\n"), offset))
                current = []
            }
            current.append(line)
            offset += line.utf8.count + 1
        }
        if !current.isEmpty {
            let record = current.joined(separator: "\n")
            if !record.contains(" AUDIT: ") || record.hasSuffix("<not logged>") { records.append((record, offset)) }
        }
        return (records.compactMap { entry($0.text) }, records.last?.end ?? 0)
    }

    /// `2026-11-30 02:22:04.123 UTC [pid] <user@db|app|host> LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,statement,<not logged>`
    static func entry(_ record: String) -> AccessLog.Entry? {
        guard let audit = record.range(of: " LOG:  AUDIT: "),
              let open = record.range(of: "] <"), open.upperBound < audit.lowerBound,
              let close = record.range(of: ">", options: .backwards, range: open.upperBound..<audit.lowerBound) else { return nil }
        let session = record[open.upperBound..<close.lowerBound]
        guard let at = session.firstIndex(of: "@") else { return nil }
        let user = String(session[..<at])
        let rest = session[session.index(after: at)...].split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard rest.count == 3 else { return nil }
        let (database, application, host) = (String(rest[0]), String(rest[1]), String(rest[2]))
        let fields = csvFields(record[audit.upperBound...])
        guard fields.count >= 8, fields[2] == "1" else { return nil }
        let stamp = record.prefix(23)   // 2026-11-30 02:22:04.123
        guard let time = XSDDateTime(stamp.replacingOccurrences(of: " ", with: "T") + "Z") else { return nil }
        var statement = fields[7]
        if statement.utf8.count > maxStatementBytes {
            statement = String(decoding: statement.utf8.prefix(maxStatementBytes), as: UTF8.self) + "…"
        }
        return AccessLog.Entry(kind: "database", atMillis: time.epochMillis, identity: "db:" + user,
                               client: host == "[local]" ? "local" : host, method: fields[3],
                               path: "database:" + database + (application.isEmpty ? "" : "/" + application), query: statement)
    }

    private static func startsWithStamp(_ line: Substring) -> Bool {
        let u = Array(line.utf8.prefix(20))
        guard u.count == 20 else { return false }
        let digits: Set<Int> = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        for i in digits where !(48...57).contains(u[i]) { return false }
        return u[4] == 45 && u[7] == 45 && u[10] == 32 && u[13] == 58 && u[16] == 58 && u[19] == 46
    }

    /// The fields of one CSV record (double quotes around fields with commas, quotes or breaks).
    static func csvFields(_ text: Substring) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }
}
