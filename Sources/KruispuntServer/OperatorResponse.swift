import Foundation
import Hummingbird

/// Answers of the operator APIs and pages: never cached, varying with the token.
enum OperatorResponse {
    /// The operator APIs' JSON: snake_case keys, sorted.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// `value` as JSON with snake_case keys, sorted, and a final newline.
    static func json(_ value: some Encodable) throws -> Response {
        var body = try encoder.encode(value)
        body.append(0x0A)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", .vary: "Authorization"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// An HTML page.
    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .vary: "Authorization"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
