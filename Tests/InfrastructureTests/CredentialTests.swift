import Domain
import Foundation
import Testing

@Suite("Credentials")
struct CredentialTests {
    @Test("PBKDF2 hashes verify the right password only, and carry their iteration count")
    func passwordHashes() {
        let hasher = PasswordHasher(iterations: 1_000)
        let hash = hasher.hash("Élan vital 2026 !")
        #expect(hash.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(hasher.verify("Élan vital 2026 !", against: hash))
        #expect(!hasher.verify("élan vital 2026 !", against: hash))
        #expect(hash != hasher.hash("Élan vital 2026 !"))  // salted
        // A hash made with other settings still verifies (the count is read from the hash).
        #expect(PasswordHasher(iterations: 5_000).verify("Élan vital 2026 !", against: hash))
        for malformed in ["", "pbkdf2-sha256$x$y$z", "md5$1$abc$def", "pbkdf2-sha256$0$AAAA$AAAA"] {
            #expect(!hasher.verify("anything", against: malformed))
        }
    }

    @Test("TOTP matches the RFC 6238 SHA-1 test vectors (last six digits)", arguments: [
        (59.0, "287082"), (1_111_111_109.0, "081804"), (1_111_111_111.0, "050471"), (1_234_567_890.0, "005924"), (2_000_000_000.0, "279037"),
    ])
    func totpVectors(time: Double, code: String) {
        let secret = Data("12345678901234567890".utf8)
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: time)) == code)
    }

    @Test("TOTP accepts one step of drift, not two, and only six digits")
    func totpDrift() {
        let secret = TOTP.newSecret()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let code = TOTP.code(secret: secret, at: now)
        #expect(TOTP.verify(code, secret: secret, at: now.addingTimeInterval(30)))
        #expect(TOTP.verify(code, secret: secret, at: now.addingTimeInterval(-30)))
        #expect(!TOTP.verify(code, secret: secret, at: now.addingTimeInterval(90)))
        #expect(!TOTP.verify("12345", secret: secret, at: now))
        #expect(!TOTP.verify("１２３４５６", secret: secret, at: now))
        #expect(TOTP.base32(Data("foobar".utf8)) == "MZXW6YTBOI")
    }

    @Test("password rules", arguments: [
        ("short", ["too_short"]),
        ("123456789012345", ["entirely_numeric"]),
        ("password1234", ["too_common"]),
        ("abcabcabcabc", ["too_common"]),
        ("lovelace-2026!", ["too_similar"]),
        ("ada.admin-secure", ["too_similar"]),
        ("Tangerine-Orbit-57", []),
    ])
    func passwordRules(password: String, expected: [String]) {
        let codes = PasswordPolicy().violations(of: password, personal: ["ada.admin@regulator.example", "Ada", "Lovelace"], isReused: false).map(\.code)
        #expect(codes == expected)
    }

    @Test("a reused password is refused")
    func reuse() {
        #expect(PasswordPolicy().violations(of: "Tangerine-Orbit-57", personal: [], isReused: true).map(\.code) == ["reused"])
    }
}
