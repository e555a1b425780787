import Crypto
import Foundation
import KruispuntRDF

/// Who saw what: every request and administrative action, appended to `access_log` with a
/// SHA-256 hash chained to the entry before, so that an entry changed or removed afterwards is
/// found by `verify`. A trigger refuses UPDATE and DELETE (retention alone may delete, and then
/// keeps the last removed entry's hash as the chain's anchor). The log is never published.
///
/// ```swift
/// try AccessLog.append([entry], on: db)
/// let report = try AccessLog.verify(on: db)   // report.firstBroken == nil: intact
/// ```
public enum AccessLog {
    /// One logged access.
    public struct Entry: Sendable, Equatable, Codable {
        /// `http`, `admin` (an operator's action) or `database` (a direct session).
        public var kind: String
        public var atMillis: Int64
        /// `anonymous`, or the role and a digest of the credential (`admin:3fa2c1…`), never the credential.
        public var identity: String
        public var tenant: String?
        public var client: String?
        public var method: String
        public var path: String
        public var query: String?
        public var status: Int?
        /// Rows or members returned, when the handler says.
        public var items: Int?
        public var bytes: Int?
        public var durationMicros: Int64?

        public init(kind: String = "http", atMillis: Int64, identity: String, tenant: String? = nil, client: String? = nil,
                    method: String, path: String, query: String? = nil, status: Int? = nil, items: Int? = nil,
                    bytes: Int? = nil, durationMicros: Int64? = nil) {
            self.kind = kind
            self.atMillis = atMillis
            self.identity = identity
            self.tenant = tenant
            self.client = client
            self.method = method
            self.path = path
            self.query = query
            self.status = status
            self.items = items
            self.bytes = bytes
            self.durationMicros = durationMicros
        }

        /// The entry as PostgreSQL text can hold it (NUL becomes U+FFFD), which is what is hashed.
        var storable: Entry {
            func clean(_ s: String?) -> String? {
                guard let s, s.utf8.contains(0) else { return s }
                return s.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
            }
            var e = self
            (e.kind, e.identity, e.tenant, e.client) = (clean(kind)!, clean(identity)!, clean(tenant), clean(client))
            (e.method, e.path, e.query) = (clean(method)!, clean(path)!, clean(query))
            return e
        }
    }

    /// The table, its anchor and the trigger that keeps it append-only (migration 20).
    static let schema = """
        CREATE TABLE access_log (
            seq bigint PRIMARY KEY,
            at timestamptz NOT NULL,
            kind text NOT NULL,
            identity text NOT NULL,
            tenant text,
            client text,
            method text NOT NULL,
            path text NOT NULL,
            query text,
            status integer,
            items bigint,
            bytes bigint,
            duration_us bigint,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL
        );
        -- Entries arrive in time order: a BRIN index finds a period at almost no cost per insert.
        CREATE INDEX access_log_at ON access_log USING brin (at);
        -- Where the chain starts once retention removed its beginning: the last removed entry.
        CREATE TABLE access_log_anchor (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            seq bigint NOT NULL,
            hash bytea NOT NULL
        );
        CREATE FUNCTION kp_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('kruispunt.access_log_retention', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP;
        END $$;
        CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
            FOR EACH ROW EXECUTE FUNCTION kp_access_log_append_only();
        CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
            FOR EACH STATEMENT EXECUTE FUNCTION kp_access_log_append_only();
        """

    /// The advisory lock appends and retention hold: one writer of the chain at a time.
    private static let writerLock = 7_319_001

    /// The hash before the first entry ever written.
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// Appends entries in order, each chained to the one before (one writer at a time).
    /// `alsoSetting` is stored in `settings` in the same transaction (where an import stopped).
    /// `witness` learns the new head once the transaction has committed.
    public static func append(_ entries: [Entry], on db: Connection, alsoSetting: (key: String, value: String)? = nil,
                              witness: AccessLogWitness? = nil) throws {
        guard !entries.isEmpty || alsoSetting != nil else { return }
        var newHead: (Int64, [UInt8])?
        var keepsWitness = true
        try db.transaction {
            if let (key, value) = alsoSetting {
                try db.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             [key, value])
            }
            guard !entries.isEmpty else { return }
            try db.query("SELECT pg_advisory_xact_lock(\(writerLock))")
            var (seq, previous) = try head(on: db)
            // The witness moves on only while the log still holds the entry it names: after a
            // removal from the end it keeps naming the lost entry, for `verify` to report.
            if let witness, let named = witness.read() {
                keepsWitness = named.seq < seq ? (witnessedHash(named.seq, on: db).map { $0 == named.hash } ?? true)
                    : named.seq == seq && named.hash == previous
            }
            try db.copyIn("""
                COPY access_log (seq, at, kind, identity, tenant, client, method, path, query, status, items, bytes,
                                 duration_us, prev_hash, hash) FROM STDIN WITH (FORMAT binary)
                """, bytes: { send in
                var copy = CopyBinary()
                var hashing = [UInt8]()
                for entry in entries {
                    let entry = entry.storable
                    seq += 1
                    let hash = Self.hash(entry, seq: seq, previous: previous, scratch: &hashing)
                    copy.row(fields: 15)
                    copy.int64(seq)
                    copy.timestamp(epochMillis: entry.atMillis)
                    for text in [entry.kind, entry.identity, entry.tenant, entry.client, entry.method, entry.path, entry.query] {
                        copy.text(text)
                    }
                    copy.int32(entry.status.map(Int32.init(truncatingIfNeeded:)))
                    copy.int64(entry.items.map(Int64.init))
                    copy.int64(entry.bytes.map(Int64.init))
                    copy.int64(entry.durationMicros)
                    copy.bytea(previous)
                    copy.bytea(hash)
                    previous = hash
                    if copy.bytes.count > 1 << 16 { try copy.flush(send) }
                }
                copy.end()
                try copy.flush(send)
            })
            newHead = (seq, previous)
        }
        if let witness, keepsWitness, let (seq, hash) = newHead { witness.advance(to: seq, hash: hash) }
    }

    /// The newest entry's sequence number and hash (the anchor's, or the genesis, when empty).
    private static func head(on db: Connection) throws -> (Int64, [UInt8]) {
        let rows = try db.query("""
            SELECT seq, encode(hash, 'hex') FROM access_log WHERE seq = (SELECT max(seq) FROM access_log)
            UNION ALL SELECT seq, encode(hash, 'hex') FROM access_log_anchor WHERE NOT EXISTS (SELECT 1 FROM access_log)
            """)
        guard let row = rows.first, let seq = row[0].flatMap(Int64.init), let hash = row[1].flatMap(bytes) else { return (0, genesis) }
        return (seq, hash)
    }

    /// What `verify` found: how many entries it checked and the first that breaks the chain.
    public struct Verification: Sendable {
        public var checked: Int
        public var firstBroken: Int64?
        public var reason: String?
        public var intact: Bool { firstBroken == nil }
    }

    /// Walks the chain from its anchor: every entry must follow the one before without a gap,
    /// point to its hash, and hash to what it says.
    /// With a `witness`, the entry it names must still be there with the same hash.
    public static func verify(on db: Connection, witness: AccessLogWitness? = nil) throws -> Verification {
        let anchor = try db.query("SELECT seq, encode(hash, 'hex') FROM access_log_anchor").first
        var expectedSeq = (anchor?[0].flatMap(Int64.init) ?? 0) + 1
        var previous = anchor?[1].flatMap(bytes) ?? genesis
        var checked = 0
        var after: Int64 = expectedSeq - 1
        while true {
            let rows = try db.query("""
                SELECT \(columns), encode(prev_hash, 'hex'), encode(hash, 'hex')
                FROM access_log WHERE seq > $1 ORDER BY seq LIMIT 5000
                """, [String(after)])
            if rows.isEmpty { break }
            for r in rows {
                guard let seq = r[0].flatMap(Int64.init) else { continue }
                if seq != expectedSeq {
                    return Verification(checked: checked, firstBroken: expectedSeq,
                                        reason: seq > expectedSeq ? "entries \(expectedSeq)–\(seq - 1) are missing" : "entry \(seq) is out of order")
                }
                let entry = Self.entry(r)
                guard r[13].flatMap(bytes) == previous else {
                    return Verification(checked: checked, firstBroken: seq, reason: "entry \(seq) does not point to the entry before it")
                }
                let hash = Self.hash(entry, seq: seq, previous: previous)
                guard r[14].flatMap(bytes) == hash else {
                    return Verification(checked: checked, firstBroken: seq, reason: "entry \(seq) was altered (its hash does not match)")
                }
                previous = hash
                expectedSeq += 1
                checked += 1
                after = seq
            }
        }
        if let named = witness?.read(), named.seq >= (anchor?[0].flatMap(Int64.init) ?? 0) + 1 {
            if named.seq > after {
                return Verification(checked: checked, firstBroken: after + 1, reason:
                    "entries \(after + 1)–\(named.seq) were removed from the end (\(witness!.file.lastPathComponent) names entry \(named.seq))")
            }
            if witnessedHash(named.seq, on: db) != named.hash {
                return Verification(checked: checked, firstBroken: named.seq, reason: "entry \(named.seq) differs from its witness")
            }
        }
        return Verification(checked: checked, firstBroken: nil, reason: nil)
    }

    /// The stored hash of entry `seq`.
    private static func witnessedHash(_ seq: Int64, on db: Connection) -> [UInt8]? {
        (try? db.query("SELECT encode(hash, 'hex') FROM access_log WHERE seq = $1", [String(seq)]))?.first?[0].flatMap(bytes)
    }

    /// What `list` keeps: a time range (ms, `to` exclusive), an identity, a path prefix, a status.
    public struct Filter: Sendable {
        public var fromMillis: Int64?
        public var toMillis: Int64?
        public var identity: String?
        public var pathPrefix: String?
        public var status: Int?
        public init(fromMillis: Int64? = nil, toMillis: Int64? = nil, identity: String? = nil, pathPrefix: String? = nil, status: Int? = nil) {
            self.fromMillis = fromMillis
            self.toMillis = toMillis
            self.identity = identity
            self.pathPrefix = pathPrefix
            self.status = status
        }
    }

    /// Entries the filter keeps, newest first, with their sequence numbers.
    public static func list(_ f: Filter, limit: Int, on db: Connection) throws -> [(seq: Int64, entry: Entry)] {
        try db.query("""
            SELECT \(columns) FROM access_log
            WHERE ($1::bigint IS NULL OR at >= to_timestamp($1::double precision / 1000))
              AND ($2::bigint IS NULL OR at < to_timestamp($2::double precision / 1000))
              AND ($3::text IS NULL OR identity = $3) AND ($4::text IS NULL OR starts_with(path, $4))
              AND ($5::integer IS NULL OR status = $5)
            ORDER BY seq DESC LIMIT $6
            """, [f.fromMillis.map(String.init), f.toMillis.map(String.init), f.identity, f.pathPrefix, f.status.map(String.init), String(limit)])
        .compactMap { r in
            guard let seq = r[0].flatMap(Int64.init) else { return nil }
            return (seq, Self.entry(r))
        }
    }

    /// The CSV header and one line per entry (RFC 4180 quoting).
    public static func csv(_ rows: [(seq: Int64, entry: Entry)]) -> String {
        var text = "seq,at,kind,identity,tenant,client,method,path,query,status,rows,bytes,duration_ms\n"
        for (seq, e) in rows {
            let fields: [String?] = [String(seq), iso(e.atMillis), e.kind, e.identity, e.tenant, e.client, e.method, e.path, e.query,
                                     e.status.map(String.init), e.items.map(String.init), e.bytes.map(String.init),
                                     e.durationMicros.map { String(format: "%.3f", Double($0) / 1000) }]
            text += fields.map(CSVField.quoted).joined(separator: ",") + "\n"
        }
        return text
    }

    /// Removes entries older than `cutoffMillis` (retention), keeping the last removed entry's
    /// hash as the anchor the remaining chain starts from. Returns how many were removed.
    @discardableResult
    public static func purge(olderThanMillis cutoffMillis: Int64, on db: Connection) throws -> Int {
        try db.transaction {
            try db.query("SELECT pg_advisory_xact_lock(\(writerLock))")
            let last = try db.query("SELECT max(seq) FROM access_log WHERE at < to_timestamp($1::double precision / 1000)",
                                    [String(cutoffMillis)]).first?[0].flatMap(Int64.init)
            guard let last else { return 0 }
            try db.query("""
                INSERT INTO access_log_anchor (seq, hash) SELECT seq, hash FROM access_log WHERE seq = $1
                ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """, [String(last)])
            try db.execute("SET LOCAL kruispunt.access_log_retention = 'on'")
            return try db.update("DELETE FROM access_log WHERE seq <= $1", [String(last)])
        }
    }

    /// An entry's columns as `entry` reads them (after its sequence number).
    private static let columns = """
        seq, (extract(epoch FROM at) * 1000)::bigint, kind, identity, tenant, client, method, path, query, status, items, bytes, duration_us
        """

    private static func entry(_ r: [String?]) -> Entry {
        Entry(kind: r[2] ?? "", atMillis: r[1].flatMap(Int64.init) ?? 0, identity: r[3] ?? "", tenant: r[4], client: r[5],
              method: r[6] ?? "", path: r[7] ?? "", query: r[8], status: r[9].flatMap(Int.init), items: r[10].flatMap(Int.init),
              bytes: r[11].flatMap(Int.init), durationMicros: r[12].flatMap(Int64.init))
    }

    /// SHA-256 of the previous hash and the entry's fields, each written out unambiguously.
    static func hash(_ e: Entry, seq: Int64, previous: [UInt8]) -> [UInt8] {
        var scratch = [UInt8]()
        return hash(e, seq: seq, previous: previous, scratch: &scratch)
    }

    /// `hash`, writing the text it hashes into `scratch` (reused from one entry to the next).
    static func hash(_ e: Entry, seq: Int64, previous: [UInt8], scratch text: inout [UInt8]) -> [UInt8] {
        text.removeAll(keepingCapacity: true)
        // Each field length-prefixed (or "-" for none), so no two entries write the same text.
        func put(_ field: String?) {
            guard let field else { text.append(UInt8(ascii: "-")); return }
            text.append(contentsOf: String(field.utf8.count).utf8)
            text.append(UInt8(ascii: ":"))
            text.append(contentsOf: field.utf8)
        }
        func put<T: BinaryInteger>(_ number: T?) { put(number.map { String($0) }) }
        put(seq)
        put(e.atMillis)
        for field in [e.kind, e.identity, e.tenant, e.client, e.method, e.path, e.query] { put(field) }
        put(e.status)
        put(e.items)
        put(e.bytes)
        put(e.durationMicros)
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        text.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    public static func iso(_ millis: Int64) -> String {
        XSDDateTime.format(epochMillis: millis, offsetMinutes: 0, zulu: true, alwaysMillis: true)
    }

    /// Lower-case hexadecimal digits of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        let scalars = Array(hex.utf8)
        guard scalars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(scalars.count / 2)
        var i = 0
        while i < scalars.count {
            guard let high = nibble(scalars[i]), let low = nibble(scalars[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
