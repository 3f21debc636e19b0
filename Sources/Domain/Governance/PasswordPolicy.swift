import Foundation

/// The password rules: 12 to 1024 characters, not a common password, not all digits, not
/// close to the user's name or e-mail, and not the current or any previous password.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 12
    public static let maximumLength = 1024

    /// Frequent passwords of 12 characters or more, and the stems that make most weak ones.
    static let common: Set<String> = [
        "password1234", "password12345", "password123456", "passwordpassword", "123456789012", "1234567890123",
        "qwertyuiop12", "qwertyuiopasdf", "qwerty123456", "1q2w3e4r5t6y", "iloveyou1234", "welcome12345",
        "administrator", "letmein12345", "changeme1234", "abcdefghijkl", "abc123456789", "aaaaaaaaaaaa",
        "111111111111", "000000000000", "azertyuiop12", "motdepasse12", "passwort1234", "wachtwoord12",
        "football1234", "baseball1234", "sunshine1234", "princess1234", "trustno11234", "dragon123456",
    ]

    public init() {}

    /// The broken rules for `password`, empty when it is acceptable.
    ///
    /// - Parameters:
    ///   - personal: the user's e-mail, first and last name.
    ///   - isReused: whether it matches the current or a previous password (checked by the caller
    ///     against stored hashes).
    public func violations(of password: String, personal: [String], isReused: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ code: String, _ message: String) { errors.append(FieldError(field: "password", code: code, message: message)) }
        if password.count < Self.minimumLength {
            add("too_short", "The password must have at least \(Self.minimumLength) characters.")
        }
        if password.count > Self.maximumLength {
            add("too_long", "The password must have at most \(Self.maximumLength) characters.")
        }
        let lowered = password.lowercased()
        if Self.common.contains(lowered) || Self.isRepetitive(lowered) {
            add("too_common", "This password is too common.")
        }
        if !password.isEmpty, password.allSatisfy(\.isNumber) {
            add("entirely_numeric", "The password must not consist of digits only.")
        }
        if Self.isSimilar(lowered, to: personal) {
            add("too_similar", "The password is too similar to your name or e-mail address.")
        }
        if isReused {
            add("reused", "The password must differ from your current and previous passwords.")
        }
        return errors
    }

    /// One character, or one short block, repeated ("aaaaaaaaaaaa", "abcabcabcabc").
    static func isRepetitive(_ password: String) -> Bool {
        let characters = Array(password)
        guard characters.count >= 2 else { return false }
        for period in 1...min(4, characters.count / 2) where characters.count % period == 0 {
            if characters.indices.allSatisfy({ characters[$0] == characters[$0 % period] }) { return true }
        }
        return false
    }

    /// Contains, or is mostly made of, a personal attribute of 3 characters or more.
    static func isSimilar(_ password: String, to personal: [String]) -> Bool {
        let parts = personal.flatMap { value -> [String] in
            let lowered = value.lowercased()
            let pieces = lowered.split { !$0.isLetter && !$0.isNumber }.map(String.init)
            return [lowered.split(separator: "@").first.map(String.init) ?? lowered] + pieces
        }
        return parts.contains { part in
            guard part.count >= 3 else { return false }
            return password.contains(part) && Double(part.count) / Double(max(password.count, 1)) >= 0.4
        }
    }
}
