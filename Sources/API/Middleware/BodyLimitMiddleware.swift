import Hummingbird
import NIOCore

/// Rejects request bodies larger than the configured limit (413) and JSON bodies carrying a NUL
/// character (400: PostgreSQL text cannot hold it), before any handler reads them. File imports
/// (`POST .../import`) have a limit of their own.
///
/// Bodies are buffered (up to the limit) for operations that take JSON. A file an operation
/// takes (``Contract/Operation/acceptsFile``) is not: only its declared length is checked here,
/// and the use case reads it, within the same limit, once the caller is known to be allowed, so
/// an unauthorised caller's upload is never read.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let standardLimit: Int
    let importLimit: Int
    let contract: Contract

    init(limit: Int, importLimit: Int, contract: Contract) {
        standardLimit = limit
        self.importLimit = importLimit
        self.contract = contract
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = request.method == .post && request.uri.path.hasSuffix("/import") ? importLimit : standardLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Problem.bodyTooLarge(limit: limit)
        }
        // Whatever the content type claims: a JSON body sent to a file operation is not read either.
        if request.method == .post || request.method == .put, contract.operation(request.method, path: request.uri.path)?.acceptsFile == true {
            return try await next(request, context)
        }
        // Chunked bodies have no declared length: collect up to the limit, failing past it.
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge(limit: limit)
        }
        if body.readableBytes >= 6, Self.isJSON(request.headers[.contentType]), Self.containsEscapedNUL(body.readableBytesView) {
            throw Problem.malformedBody("Text values must not contain the NUL character (\\u0000).")
        }
        return try await next(request, context)
    }

    /// Whether a body of `contentType` is JSON text (or may be: none given). Files sent as forms
    /// or sheets are checked by their own parsers.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return true }
        return type == "application/json" || type.hasSuffix("+json")
    }

    /// Whether JSON text holds the escape `\u0000` (not an escaped backslash followed by `u0000`).
    static func containsEscapedNUL<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        let backslash = UInt8(ascii: "\\")
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes[index] == backslash else {
                index += 1
                continue
            }
            // An escape: look at what it escapes, then skip it whole.
            let next = index + 1
            if next + 4 < bytes.endIndex, bytes[next] | 0x20 == UInt8(ascii: "u"),
                bytes[(next + 1)...(next + 4)].allSatisfy({ $0 == UInt8(ascii: "0") })
            {
                return true
            }
            index += 2
        }
        return false
    }
}
