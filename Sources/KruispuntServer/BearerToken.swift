import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import KruispuntStore

/// Bearer-token checks for the operator and upload APIs.
enum BearerToken {
    /// 401 without a valid bearer token (compared in constant time).
    static func authorise(_ request: Request, tokens: [String], what: String = "the operator API",
                           variable: String = "KRUISPUNT_ADMIN_TOKENS") throws {
        guard let presented = presented(request) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"kruispunt\""],
                            message: tokens.isEmpty ? "Uitgeschakeld / \(what) disabled (\(variable) is not set)"
                                                    : "Bearer-token vereist / bearer token required")
        }
        let given = Array(presented.utf8)
        var match = false
        for token in tokens {
            let expected = Array(token.utf8)
            var difference = UInt8(expected.count == given.count ? 0 : 1)
            for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
            match = match || difference == 0
        }
        guard match else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"kruispunt\", error=\"invalid_token\""],
                            message: "Ongeldig token / invalid token")
        }
    }

    /// The token of an `Authorization: Bearer …` header, or nil without one.
    static func presented(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    }

    /// The first `X-Forwarded-For` address (set by the reverse proxy), or nil.
    static func forwardedFor(_ request: Request) -> String? {
        request.headers[forwardedForField]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A short, stable digest of a token (the first 12 hex digits of its SHA-256), never the token.
    static func digest(_ token: String) -> String {
        AccessLog.hex(Array(SHA256.hash(data: Data(token.utf8)).prefix(6)))
    }
}

private let forwardedForField = HTTPField.Name("X-Forwarded-For")!
