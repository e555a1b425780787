import Foundation
import HTTPTypes
import Hummingbird

/// Reading bearer tokens and the client address of a request (who may do what: `Identity`).
enum BearerToken {
    /// The token of an `Authorization: Bearer …` header, or nil without one.
    static func presented(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    }

    /// The first `X-Forwarded-For` address (set by the reverse proxy), or nil.
    static func forwardedFor(_ request: Request) -> String? {
        request.headers[forwardedForField]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

private let forwardedForField = HTTPField.Name("X-Forwarded-For")!
