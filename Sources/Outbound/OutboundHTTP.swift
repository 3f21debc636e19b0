import CCurl
import Foundation
import Pooling

/// An HTTP call the platform makes to a system outside it (a ticketing system, a webhook).
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var timeoutMilliseconds: Int

    public init(method: String = "POST", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
                timeoutMilliseconds: Int = 10_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

public struct OutboundResponse: Sendable {
    public var status: Int
    /// The start of the body (at most ``OutboundHTTP/responseLimit`` bytes).
    public var body: Data
    /// The address the call reached.
    public var address: String
    public var milliseconds: Double
}

extension OutboundResponse {
    /// What an answer means for a message sent to another system.
    public enum Verdict: Sendable, Equatable {
        /// 2xx: taken.
        case accepted
        /// 408, 429, 5xx: not now; another attempt may succeed.
        case transient
        /// Any other status: refused; sending it again changes nothing.
        case refused
    }

    public var verdict: Verdict {
        switch status {
        case 200...299: .accepted
        case 408, 429, 500...599: .transient
        default: .refused
        }
    }
}

/// Why an outbound call was not made or did not get an answer.
public enum OutboundError: Error, Equatable, CustomStringConvertible {
    /// The URL or the address it resolves to is not one the platform may call: no retry helps.
    case refused(String)
    /// No answer: name resolution, connection, TLS or timeout failed; a later attempt may work.
    case unreachable(String)

    public var description: String {
        switch self {
        case .refused(let reason): "refused: \(reason)"
        case .unreachable(let reason): "unreachable: \(reason)"
        }
    }
}

/// Outbound HTTP over libcurl, on blocking threads of its own, behind a guard against
/// server-side request forgery: HTTPS only, no credentials in the URL, the host resolved first
/// and every address it resolves to checked by ``AddressPolicy``, then the connection pinned to
/// the checked address (a second resolution cannot swap in another), no redirects followed and
/// no proxy taken from the environment.
public final class OutboundHTTP: Sendable {
    public let policy: AddressPolicy
    let threads: BlockingWorkPool
    public static let responseLimit = 65_536

    public init(policy: AddressPolicy, threads: BlockingWorkPool) {
        self.policy = policy
        self.threads = threads
    }

    /// Checks a URL before it is saved: its form, and the addresses its host resolves to now (it
    /// is checked again at every call).
    public func check(url: String) async throws {
        let policy = policy
        _ = try await threads.run { try Self.target(url, policy: policy) }
    }

    public func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        let policy = policy
        return try await threads.run { try Self.perform(request, policy: policy) }
    }

    struct Target {
        var host: String
        var port: Int
        var address: [UInt8]
    }

    /// The URL's host and port, and the address to connect to.
    static func target(_ url: String, policy: AddressPolicy) throws -> Target {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty else { throw OutboundError.refused("not an absolute URL") }
        let allowed = policy.isAllowed(host: host)
        guard scheme == "https" || (scheme == "http" && allowed && policy.allowsPlainHTTPToAllowedHosts) else {
            throw OutboundError.refused("only https:// URLs are called")
        }
        guard components.user == nil, components.password == nil else { throw OutboundError.refused("credentials do not belong in the URL") }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = try resolve(bareHost)
        guard let first = addresses.first else { throw OutboundError.unreachable("\(host) does not resolve") }
        // Which address a name resolves to, and what kind it is, stay unsaid: the message would
        // otherwise map the internal network for whoever saves URLs.
        if !allowed, addresses.contains(where: { AddressPolicy.refusal($0) != nil }) {
            throw OutboundError.refused("\(host) is not an address the platform calls (public addresses only)")
        }
        return Target(host: bareHost, port: port, address: first)
    }

    /// Every address `host` resolves to (a literal address resolves to itself).
    static func resolve(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw OutboundError.unreachable("\(host) does not resolve: \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var node = list
        while let entry = node?.pointee {
            if entry.ai_family == AF_INET, let raw = entry.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin_addr
                    addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                }
            } else if entry.ai_family == AF_INET6, let raw = entry.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                }
            }
            node = entry.ai_next
        }
        var seen = Set<[UInt8]>()
        return addresses.filter { seen.insert($0).inserted }
    }

    final class Collected {
        var data = Data()
    }

    static func perform(_ request: OutboundRequest, policy: AddressPolicy) throws -> OutboundResponse {
        let target = try target(request.url, policy: policy)
        guard let handle = curl_easy_init() else { throw OutboundError.unreachable("curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let literal = target.address.count == 16 ? "[\(AddressPolicy.text(target.address))]" : AddressPolicy.text(target.address)
        let pinned: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "\(target.host):\(target.port):\(literal)")
        defer { curl_slist_free_all(pinned) }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in request.headers where !header.name.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" })
            && !header.value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            headers = curl_slist_append(headers, "\(header.name): \(header.value)")
        }
        // No "Expect: 100-continue" round trip before a body.
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }

        gp_curl_set_string(handle, CURLOPT_URL, request.url)
        gp_curl_set_slist(handle, CURLOPT_RESOLVE, pinned)
        gp_curl_set_slist(handle, CURLOPT_HTTPHEADER, headers)
        gp_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, policy.allowsPlainHTTPToAllowedHosts && policy.isAllowed(host: target.host) ? "http,https" : "https")
        gp_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        gp_curl_set_string(handle, CURLOPT_PROXY, "")
        gp_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        gp_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(request.timeoutMilliseconds, 5_000))
        gp_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
        gp_curl_set_string(handle, CURLOPT_USERAGENT, "governance-platform")
        if let body = request.body {
            gp_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                gp_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                _ = body.withUnsafeBytes { bytes in gp_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!)) }
            }
        }
        if request.method != "POST" || request.body == nil {
            if request.method == "GET" { gp_curl_set_long(handle, CURLOPT_HTTPGET, 1) } else { gp_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
        }
        let collected = Collected()
        let start = ContinuousClock.now
        let code: CURLcode = withExtendedLifetime(collected) {
            gp_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(collected).toOpaque())
            gp_curl_set_write_function(handle) { buffer, size, count, context in
                let collected = Unmanaged<Collected>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                let room = OutboundHTTP.responseLimit - collected.data.count
                if room > 0, let buffer { collected.data.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: min(room, length)) }
                return length
            }
            return curl_easy_perform(handle)
        }
        let elapsed = ContinuousClock.now - start
        guard code == CURLE_OK else { throw OutboundError.unreachable(String(cString: curl_easy_strerror(code))) }
        var status = 0
        gp_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return OutboundResponse(status: status, body: collected.data, address: AddressPolicy.text(target.address),
                                milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
}
