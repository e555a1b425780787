/// Why a query is refused: it is not valid SPARQL 1.1, or it uses a feature outside the subset
/// Kruispunt runs. Both are the client's to fix (HTTP 400); the message names the feature and,
/// where known, the line and column.
public struct SPARQLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax
        case unsupported
    }

    public var kind: Kind
    public var message: String
    /// The feature outside the subset (`MINUS`, `property path`, ...), for `unsupported`.
    public var feature: String?
    public var line: Int?
    public var column: Int?

    public static func syntax(_ message: String, line: Int? = nil, column: Int? = nil) -> SPARQLError {
        SPARQLError(kind: .syntax, message: message, feature: nil, line: line, column: column)
    }

    public static func unsupported(_ feature: String, line: Int? = nil, column: Int? = nil) -> SPARQLError {
        SPARQLError(kind: .unsupported, message: "\(feature) is not supported by SPARQL-lite", feature: feature,
                    line: line, column: column)
    }

    public var description: String {
        var out = message
        if let line { out += " (line \(line)" + (column.map { ", column \($0)" } ?? "") + ")" }
        return out
    }
}
