/// An error from the database or the embedded cluster, with a message an operator can act on.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// PostgreSQL's SQLSTATE, when the server reported the error (`23505`: unique violation).
    public let sqlState: String?
    private let unavailable: Bool
    public init(_ message: String, sqlState: String? = nil, unavailable: Bool = false) {
        self.message = message
        self.sqlState = sqlState
        self.unavailable = unavailable
    }

    /// The database could not be reached or the connection broke (a server stopped, restarting or
    /// failing over): worth trying again shortly, unlike an error in the statement. SQLSTATE class
    /// 08 (connection exception) and 57P01 to 57P03 (shut down, crashed, starting up) count too.
    public var isDatabaseUnavailable: Bool {
        unavailable || sqlState?.hasPrefix("08") == true || ["57P01", "57P02", "57P03"].contains(sqlState ?? "")
    }

    /// A unique-constraint violation (locale-independent).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var description: String { message }
}
