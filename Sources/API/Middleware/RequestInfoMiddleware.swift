import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// What handlers need to know about the request they serve, which generated operations do not
/// receive: its id, its bearer token, and the client's address.
struct RequestInfo: Sendable {
    var id: String
    var bearerToken: String?
    var clientAddress: String?
    /// The request's `Accept-Language`, parsed only by responses with translated texts.
    var acceptLanguage: String?
    /// Headers a handler adds verbatim: the generated code percent-encodes header values,
    /// which would break a `Link` header's `<...>; rel="next"` syntax.
    var responseHeaders = ResponseHeaderBag()

    @TaskLocal static var current = RequestInfo(id: "-", bearerToken: nil, clientAddress: nil)

    var client: ClientInfo { ClientInfo(address: clientAddress, requestID: id) }

    /// The language of translated texts in the response (English when nothing matches).
    var language: Language { Language.preferred(acceptLanguage: acceptLanguage) }

    /// A client-supplied id is kept when it is short and plain; otherwise a new one is made.
    static func acceptID(_ candidate: String?) -> String {
        if let candidate, (1...128).contains(candidate.utf8.count),
            candidate.utf8.allSatisfy({ $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber || "-_.:".utf8.contains($0)) })
        {
            return candidate
        }
        return UUID().uuidString.lowercased()
    }

    /// The client address behind `hops` proxies of one's own that each append the address they
    /// saw to `X-Forwarded-For`: the entry `hops` places from the right. Entries further left
    /// are whatever the client wrote, so they are never taken; with fewer entries than hops (a
    /// request that bypassed a proxy), or anything but an address there, the socket's address.
    static func clientAddress(socket: String?, forwardedFor header: String?, hops: Int) -> String? {
        guard hops > 0, let header else { return socket }
        let entries = header.split(separator: ",")
        guard entries.count >= hops else { return socket }
        let candidate = entries[entries.count - hops].trimmingCharacters(in: .whitespaces)
        return isAddress(candidate) ? candidate : socket
    }

    /// Whether `text` looks like an IPv4 or IPv6 address (hex digits, dots and colons, at most
    /// 45 characters): what a trusted proxy writes in `X-Forwarded-For`.
    static func isAddress(_ text: String) -> Bool {
        (2...45).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
    }

    /// The token of an `Authorization: Bearer <token>` header.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

/// Gives each request an id (the client's `X-Request-Id`, or a new one), echoes it in the
/// response, adds it to the request's logger, and makes the request's facts available to handlers.
struct RequestInfoMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Proxies of one's own in front of the API (`TRUSTED_PROXY_HOPS`): see ``RequestInfo/clientAddress(socket:forwardedFor:hops:)``.
    let trustedProxyHops: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestInfo.acceptID(request.headers[.xRequestID])
        var context = context
        context.logger[metadataKey: "request_id"] = "\(id)"
        // Only an address is taken (it ends up in rate-limit keys and the audit log).
        let forwarded = trustedProxyHops > 0 ? request.headers[values: .xForwardedFor] : []
        let address = RequestInfo.clientAddress(socket: context.remoteAddress?.ipAddress,
                                                forwardedFor: forwarded.isEmpty ? nil : forwarded.joined(separator: ","), hops: trustedProxyHops)
        let info = RequestInfo(id: id, bearerToken: RequestInfo.bearerToken(request.headers[.authorization]), clientAddress: address,
                               acceptLanguage: request.headers[.acceptLanguage])
        var response = try await RequestInfo.$current.withValue(info) {
            try await next(request, context)
        }
        response.headers[.xRequestID] = id
        for (name, value) in info.responseHeaders.fields { response.headers.append(HTTPField(name: name, value: value)) }
        return response
    }
}

/// Response headers set by a handler, applied by ``RequestInfoMiddleware``.
final class ResponseHeaderBag: Sendable {
    private let storage = Mutex<[(HTTPField.Name, String)]>([])

    func add(_ name: HTTPField.Name, _ value: String) { storage.withLock { $0.append((name, value)) } }
    var fields: [(HTTPField.Name, String)] { storage.withLock { $0 } }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let link = Self("Link")!
}
