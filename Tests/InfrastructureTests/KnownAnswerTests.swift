import Crypto
@testable import Domain
import Foundation
import Testing

/// The cryptography against answers published or computed by another implementation, not
/// against itself: PBKDF2-HMAC-SHA256 (RFC 7914 §11), HKDF-SHA256 (RFC 5869 test case 1),
/// AES-256-GCM (the GCM specification's test cases 13 and 14), and a value sealed by Python's
/// `cryptography` the way ``SecretBox`` seals (HKDF-derived key, version byte, nonce, the
/// owner as associated data).
@Suite("Known answers")
struct KnownAnswerTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    @Test("PBKDF2-HMAC-SHA256: RFC 7914's vectors (the first 32 bytes, the length the hashes keep), and a hash made of them verifies",
          arguments: [
              ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
              ("Password", "NaCl", 80_000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"),
          ])
    func pbkdf2(password: String, salt: String, iterations: Int, expected: String) {
        #expect(PasswordHasher.derive(password, salt: Array(salt.utf8), iterations: iterations) == Self.bytes(expected))
        let encoded = "pbkdf2-sha256$\(iterations)$\(Data(salt.utf8).base64EncodedString())$\(Data(Self.bytes(expected)).base64EncodedString())"
        #expect(PasswordHasher().verify(password, against: encoded))
        #expect(!PasswordHasher().verify(password + "x", against: encoded))
    }

    @Test("HKDF-SHA256: RFC 5869 test case 1")
    func hkdf() {
        let key = HKDF<Crypto.SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: [UInt8](repeating: 0x0B, count: 22)),
                                                salt: Array(0x00...0x0C) as [UInt8], info: Array(0xF0...0xF9) as [UInt8], outputByteCount: 42)
        #expect(key.withUnsafeBytes { Array($0) }
                == Self.bytes("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
    }

    @Test("AES-256-GCM: the GCM specification's test cases 13 (no plaintext) and 14 (one zero block)")
    func aesGCM() throws {
        let key = SymmetricKey(data: [UInt8](repeating: 0, count: 32))
        let nonce = try AES.GCM.Nonce(data: [UInt8](repeating: 0, count: 12))
        let empty = try AES.GCM.seal(Data(), using: key, nonce: nonce)
        #expect(Array(empty.tag) == Self.bytes("530f8afbc74536b9a963b4f1c4cb738b"))
        let block = try AES.GCM.seal(Data(count: 16), using: key, nonce: nonce)
        #expect(Array(block.ciphertext) == Self.bytes("cea7403d4d606b6e074ec5d3baf39d18"))
        #expect(Array(block.tag) == Self.bytes("d0d1c8a799996bf0265b98b5d48ab919"))
    }

    @Test("SecretBox opens what another implementation sealed its way, and nothing for another owner, purpose or key")
    func secretBox() throws {
        // Python: HKDF(SHA256, 32, salt=b"governance-platform", info=b"secret-box:known-answer").derive(key), then
        // b"\x01" + nonce + AESGCM(derived).encrypt(nonce, b"rt-token-123", owner as lower-case text).
        let sealed = Data(Self.bytes("01000102030405060708090a0b44c99a79e9e08bba373a1938a7c4a485c6133b3681a7bd501b0ca86b"))
        let owner = try #require(UUID(uuidString: "00000000-0000-4000-8000-000000000001"))
        let key = "known-answer-secret-key-0123456789abcdef"
        #expect(try SecretBox(secretKey: key, purpose: "known-answer").open(sealed, owner: owner) == Data("rt-token-123".utf8))
        #expect(throws: SecretBoxError.unreadable) { try SecretBox(secretKey: key, purpose: "known-answer").open(sealed, owner: UUID()) }
        #expect(throws: SecretBoxError.unreadable) { try SecretBox(secretKey: key, purpose: "other").open(sealed, owner: owner) }
        #expect(throws: SecretBoxError.unreadable) { try SecretBox(secretKey: key + "x", purpose: "known-answer").open(sealed, owner: owner) }
    }
}
