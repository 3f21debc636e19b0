import Crypto
import Foundation

/// Encrypts secrets kept at rest (TOTP secrets; later third-party tokens) with AES-256-GCM under
/// a key derived from `SECRET_KEY` (HKDF-SHA256, one key per purpose), bound to the row they
/// belong to (the associated data), so a sealed value copied onto another row does not open.
///
/// Sealed values are `0x01 ‖ nonce ‖ ciphertext ‖ tag`; the leading version byte leaves room
/// for a later key or algorithm.
public struct SecretBox: Sendable {
    static let version: UInt8 = 1
    private let key: SymmetricKey

    /// - Parameters:
    ///   - secretKey: the `SECRET_KEY` configuration value.
    ///   - purpose: separates keys, e.g. `"totp-secret"`: each purpose gets its own key.
    public init(secretKey: String, purpose: String) {
        key = HKDF<Crypto.SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secretKey.utf8)), salt: Data("governance-platform".utf8),
            info: Data("secret-box:\(purpose)".utf8), outputByteCount: 32)
    }

    /// Encrypts `plaintext` for the row `owner`.
    public func seal(_ plaintext: Data, owner: UUID) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Self.associatedData(owner))
        guard let combined = box.combined else { throw SecretBoxError.unreadable }
        return Data([Self.version]) + combined
    }

    /// Decrypts a value sealed for `owner`.
    ///
    /// - Throws: ``SecretBoxError/unreadable`` for a value sealed under another key or owner, or altered.
    public func open(_ sealed: Data, owner: UUID) throws -> Data {
        guard sealed.first == Self.version else { throw SecretBoxError.unreadable }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            return try AES.GCM.open(box, using: key, authenticating: Self.associatedData(owner))
        } catch {
            throw SecretBoxError.unreadable
        }
    }

    /// Whether `value` is sealed (rather than a plaintext value from before encryption at rest).
    public static func isSealed(_ value: Data) -> Bool {
        // Version byte, 12-byte nonce, 16-byte tag around the ciphertext.
        value.first == version && value.count > 1 + 12 + 16
    }

    private static func associatedData(_ owner: UUID) -> Data {
        Data(owner.uuidString.lowercased().utf8)
    }
}

/// A sealed value could not be opened: another `SECRET_KEY`, another row, or altered bytes.
public enum SecretBoxError: Error, Equatable {
    case unreadable
}
