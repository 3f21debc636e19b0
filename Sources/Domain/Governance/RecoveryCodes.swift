import Foundation

/// Single-use codes that replace the TOTP code when the authenticator is lost: ten codes of
/// the form `abcd-efgh`, stored only as their SHA-256 (they are random, so no slow hash is needed).
public enum RecoveryCodes {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
    public static let count = 10

    public static func generate() -> [String] {
        (0..<count).map { _ in
            let characters = (0..<8).map { _ in alphabet[SecureRandom.index(below: alphabet.count)] }
            return String(characters[0..<4]) + "-" + String(characters[4..<8])
        }
    }

    /// The stored form: lower-cased, without dashes or spaces.
    public static func digest(_ code: String) -> String {
        SHA256.hex(Data(code.lowercased().filter { $0.isLetter || $0.isNumber }.utf8))
    }
}
