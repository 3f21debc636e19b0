import COpenSSL
import Foundation

/// RFC 6238 time-based one-time passwords (HMAC-SHA1, 6 digits, 30-second steps), as
/// authenticator apps use them.
public enum TOTP {
    public static let step: TimeInterval = 30

    /// A new 20-byte secret.
    public static func newSecret() -> Data {
        Data(SecureRandom.bytes(20))
    }

    /// The 6-digit code of `secret` for the step containing `date`.
    public static func code(secret: Data, at date: Date) -> String {
        code(secret: secret, counter: UInt64(max(date.timeIntervalSince1970, 0) / step))
    }

    static func code(secret: Data, counter: UInt64) -> String {
        var message = counter.bigEndian
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        secret.withUnsafeBytes { key in
            _ = withUnsafeBytes(of: &message) { counterBytes in
                HMAC(EVP_sha1(), key.baseAddress, Int32(key.count), counterBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     counterBytes.count, &digest, &length)
            }
        }
        let offset = Int(digest[Int(length) - 1] & 0x0F)
        let value = (UInt32(digest[offset] & 0x7F) << 24) | (UInt32(digest[offset + 1]) << 16) | (UInt32(digest[offset + 2]) << 8) | UInt32(digest[offset + 3])
        let code = String(value % 1_000_000)
        return String(repeating: "0", count: 6 - code.count) + code
    }

    /// Whether `code` is valid at `date`, allowing one step of clock drift either way.
    public static func verify(_ code: String, secret: Data, at date: Date) -> Bool {
        matchingStep(code, secret: secret, at: date) != nil
    }

    /// The time step whose code `code` is (one step of drift allowed either way), or `nil`. A
    /// caller that remembers the last step it accepted refuses a code used before.
    public static func matchingStep(_ code: String, secret: Data, at date: Date) -> Int64? {
        let trimmed = code.filter { !$0.isWhitespace }
        guard trimmed.count == 6, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) else { return nil }
        let counter = Int64(max(date.timeIntervalSince1970, 0) / step)
        return [counter, counter - 1, counter + 1].first { candidate in
            candidate >= 0 && Self.code(secret: secret, counter: UInt64(candidate)) == trimmed
        }
    }

    /// RFC 4648 base32 without padding, as otpauth URIs carry secrets.
    public static func base32(_ data: Data) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var output = ""
        var buffer = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }
}
