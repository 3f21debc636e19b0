import COpenSSL
import Foundation

/// Bearer tokens: a recognisable prefix and 32 random bytes; stored only as their SHA-256.
public enum BearerToken {
    /// Session tokens (from login) start with `gps_`, personal access tokens with `gpp_`.
    public enum Kind: String, Sendable {
        case session
        case personal

        var prefix: String { self == .session ? "gps_" : "gpp_" }
    }

    /// A new token of `kind`.
    public static func generate(_ kind: Kind) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        _ = RAND_bytes(&bytes, Int32(bytes.count))
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return kind.prefix + text
    }

    /// The stored form of a token.
    public static func digest(_ token: String) -> String {
        SHA256.hex(Data(token.utf8))
    }
}
