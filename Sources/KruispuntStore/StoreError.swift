/// An error from the database or the embedded cluster, with a message an operator can act on.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// PostgreSQL's SQLSTATE, when the server reported the error (`23505`: unique violation).
    public let sqlState: String?
    public init(_ message: String, sqlState: String? = nil) {
        self.message = message
        self.sqlState = sqlState
    }

    /// A unique-constraint violation (locale-independent).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var description: String { message }
}
