/// PostgreSQL's binary COPY format (`COPY ... FROM STDIN WITH (FORMAT binary)`), written row by
/// row into bytes: no escaping on our side and no parsing of text on the server's.
///
/// ```swift
/// var copy = CopyBinary()
/// copy.row(fields: 2); copy.int64(42); copy.text("a")
/// copy.end()   // then send copy.bytes
/// ```
public struct CopyBinary: Sendable {
    public private(set) var bytes: [UInt8]

    /// Starts with the format's header.
    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes += [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]   // PGCOPY\n\377\r\n\0
        bytes += [0, 0, 0, 0, 0, 0, 0, 0]                                                // flags, extension length
    }

    /// Hands the bytes written so far to `send` and continues with an empty buffer.
    public mutating func flush(_ send: ([UInt8]) throws -> Void) rethrows {
        try send(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Starts a row of `fields` fields.
    public mutating func row(fields: Int) { put(UInt16(fields)) }

    /// Ends the data (the trailer).
    public mutating func end() { put(UInt16.max) }

    public mutating func null() { put(UInt32.max) }

    /// A `bigint`.
    public mutating func int64(_ value: Int64?) {
        guard let value else { return null() }
        put(UInt32(8))
        put(UInt64(bitPattern: value))
    }

    /// An `integer`.
    public mutating func int32(_ value: Int32?) {
        guard let value else { return null() }
        put(UInt32(4))
        put(UInt32(bitPattern: value))
    }

    /// A `text` value; NUL, which PostgreSQL text cannot hold, becomes U+FFFD.
    public mutating func text(_ value: String?) {
        guard var text = value else { return null() }
        if text.utf8.contains(0) { text = text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        put(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// A `bytea` value.
    public mutating func bytea(_ value: [UInt8]) {
        put(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `timestamptz` from milliseconds since 1970 (microseconds since 2000 on the wire).
    public mutating func timestamp(epochMillis: Int64) {
        put(UInt32(8))
        put(UInt64(bitPattern: (epochMillis - 946_684_800_000) * 1_000))
    }

    private mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
