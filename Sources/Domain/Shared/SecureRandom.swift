import Foundation

/// Random bytes for secrets (tokens, salts, TOTP secrets, recovery codes), from the operating
/// system's generator (`getrandom(2)` on Linux). The standard library stops the process if the
/// system generator ever fails: nothing here can return predictable bytes.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A uniformly random index below `bound`.
    public static func index(below bound: Int) -> Int {
        var generator = SystemRandomNumberGenerator()
        return Int.random(in: 0..<bound, using: &generator)
    }
}
