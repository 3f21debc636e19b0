import Foundation

/// Which network addresses outbound calls may reach: public unicast addresses only, unless the
/// host is listed (tests, an on-premise ticketing system). Loopback, private, shared (CGNAT),
/// link-local (which holds the cloud metadata address 169.254.169.254), multicast, reserved and
/// documentation ranges are refused, and so are IPv6 unique-local, link-local and multicast
/// addresses and IPv4 addresses inside IPv6 (mapped, NAT64 and local-use NAT64, 6to4, Teredo).
public struct AddressPolicy: Sendable, Equatable {
    /// Host names (lower case) or literal addresses calls may reach whatever they resolve to.
    public var allowedHosts: Set<String>
    /// Whether plain `http://` is accepted (for listed hosts only); otherwise HTTPS only.
    public var allowsPlainHTTPToAllowedHosts: Bool

    public init(allowedHosts: Set<String> = [], allowsPlainHTTPToAllowedHosts: Bool = true) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
        self.allowsPlainHTTPToAllowedHosts = allowsPlainHTTPToAllowedHosts
    }

    public func isAllowed(host: String) -> Bool { allowedHosts.contains(host.lowercased()) }

    /// Why `address` (16 bytes for IPv6, 4 for IPv4) may not be reached, or nil when it may.
    public static func refusal(_ address: [UInt8]) -> String? {
        if address.count == 4 { return refusal(ipv4: address) }
        guard address.count == 16 else { return "not an IP address" }
        let a = address
        if a.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "a loopback address" }
        // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) addresses reach the IPv4 one.
        if a[0..<10].allSatisfy({ $0 == 0 }) && ((a[10] == 0xFF && a[11] == 0xFF) || (a[10] == 0 && a[11] == 0)) {
            return refusal(ipv4: Array(a[12..<16])).map { "\($0) (inside IPv6)" }
        }
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
        if a[0] == 0x00, a[1] == 0x64, a[2] == 0xFF, a[3] == 0x9B, a[4..<12].allSatisfy({ $0 == 0 }) {
            return refusal(ipv4: Array(a[12..<16])).map { "\($0) (through NAT64)" }
        }
        if a[0] == 0x20, a[1] == 0x02 { return refusal(ipv4: Array(a[2..<6])).map { "\($0) (through 6to4)" } }
        // The local-use NAT64 prefix (64:ff9b:1::/48, RFC 8215) translates to whatever the
        // operator's NAT64 reaches; Teredo (2001::/32) carries an obfuscated IPv4 address.
        if a[0] == 0x00, a[1] == 0x64, a[2] == 0xFF, a[3] == 0x9B, a[4] == 0x00, a[5] == 0x01 { return "a local-use NAT64 address" }
        if a[0] == 0x20, a[1] == 0x01, a[2] == 0x00, a[3] == 0x00 { return "a Teredo address" }
        if a[0] & 0xFE == 0xFC { return "a unique-local address" }
        if a[0] == 0xFE, a[1] & 0xC0 == 0x80 { return "a link-local address" }
        if a[0] == 0xFE, a[1] & 0xC0 == 0xC0 { return "a site-local address" }
        if a[0] == 0xFF { return "a multicast address" }
        if a[0] == 0x20, a[1] == 0x01, a[2] == 0x0D, a[3] == 0xB8 { return "a documentation address" }
        if a[0] == 0x01, a[1..<8].allSatisfy({ $0 == 0 }) { return "a discard-only address" }
        return nil
    }

    static func refusal(ipv4 a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (0, _): return "a this-network address"
        case (10, _): return "a private address"
        case (100, 64...127): return "a shared (carrier-grade NAT) address"
        case (127, _): return "a loopback address"
        case (169, 254): return "a link-local address (cloud metadata lives there)"
        case (172, 16...31): return "a private address"
        case (192, 0) where a[2] == 0 || a[2] == 2: return "a reserved address"
        case (192, 88) where a[2] == 99: return "a reserved address"
        case (192, 168): return "a private address"
        case (198, 18...19): return "a benchmarking address"
        case (198, 51) where a[2] == 100: return "a documentation address"
        case (203, 0) where a[2] == 113: return "a documentation address"
        case (224...239, _): return "a multicast address"
        case (240...255, _): return "a reserved address"
        default: return nil
        }
    }

    /// The address as text, for messages.
    public static func text(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: address.count, by: 2).map { String(format: "%x", Int(address[$0]) << 8 | Int(address[$0 + 1])) }
            .joined(separator: ":")
    }
}
