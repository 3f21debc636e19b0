import COpenSSL
import Foundation
import Pooling

/// PBKDF2-HMAC-SHA256 password hashes through OpenSSL, with a per-password salt and the
/// iteration count stored in the hash, compared in constant time.
///
/// Each call costs the configured rounds of CPU (about 0.3 s at 600,000): services never call
/// it directly but through ``PasswordHashing``, on the platform's bounded hashing threads.
public struct PasswordHasher: Sendable {
    /// Iterations for new hashes (OWASP 2023: at least 600,000 for PBKDF2-HMAC-SHA256).
    public let iterations: Int

    public init(iterations: Int = 600_000) {
        self.iterations = iterations
    }

    /// `pbkdf2-sha256$<iterations>$<salt>$<hash>` with base64 salt and hash.
    public func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(16)
        let derived = Self.derive(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` matches `encoded`; `false` for any malformed hash.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds > 0,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3]))
        else { return false }
        let derived = Self.derive(password, salt: [UInt8](salt), iterations: rounds)
        return derived.count == expected.count && CRYPTO_memcmp(derived, [UInt8](expected), derived.count) == 0
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        let bytes = Array(password.utf8)
        let status = bytes.withUnsafeBufferPointer { passwordBuffer in
            PKCS5_PBKDF2_HMAC(
                passwordBuffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count),
                salt, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(output.count), &output)
        }
        // Only an allocation failure inside OpenSSL fails here; a zero key must never be used.
        precondition(status == 1, "PKCS5_PBKDF2_HMAC failed")
        return output
    }
}

/// Password hashing off the async threads: every hash and verification runs on the platform's
/// bounded hashing threads (``BlockingWorkPool``), so a burst of logins queues there instead of
/// starving the event loops and Swift's cooperative pool.
public struct PasswordHashing: Sendable {
    public let hasher: PasswordHasher
    let threads: BlockingWorkPool

    public init(hasher: PasswordHasher, threads: BlockingWorkPool) {
        self.hasher = hasher
        self.threads = threads
    }

    /// A new hash of `password`.
    public func hash(_ password: String) async throws -> String {
        try await threads.run { [hasher] in hasher.hash(password) }
    }

    /// Whether `password` matches `encoded`.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await threads.run { [hasher] in hasher.verify(password, against: encoded) }
    }

    /// Whether `password` matches any of `encoded`, checked one after the other on one thread
    /// (stopping at the first match), so one request holds one hashing thread at a time.
    public func matchesAny(_ password: String, of encoded: [String]) async throws -> Bool {
        guard !encoded.isEmpty else { return false }
        return try await threads.run { [hasher] in encoded.contains { hasher.verify(password, against: $0) } }
    }
}
