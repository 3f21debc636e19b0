import Foundation

/// The plain-text rules the Domain applies and `openapi.yaml` states in the same terms, so that
/// what the contract accepts the Domain accepts too: white space (Unicode's White_Space
/// characters, which the contract's "not blank" pattern lists), e-mail addresses and phone
/// numbers (the contract's `Email` and `Phone` patterns).
public enum TextRules {
    /// Unicode's White_Space characters.
    public static let whitespace = CharacterSet(charactersIn:
        "\u{9}\u{A}\u{B}\u{C}\u{D}\u{20}\u{85}\u{A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}"
            + "\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}")

    /// `text` without white space at either end.
    public static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: whitespace)
    }

    /// Whether `text` is empty or only white space.
    public static func isBlank(_ text: String) -> Bool {
        trimmed(text).isEmpty
    }

    /// An e-mail address as the platform accepts it: ASCII, a local part, `@`, and a domain of
    /// at least two dot-separated labels.
    public static func isEmail(_ text: String) -> Bool {
        text.utf8.count <= 254 && matches(email, text)
    }

    /// A phone number in international format: `+`, 7 to 15 digits (the first not 0), with
    /// spaces, dots, dashes, brackets or slashes between digits.
    public static func isPhone(_ text: String) -> Bool {
        text.unicodeScalars.count <= 30 && matches(phone, text)
    }

    // The same expressions as the contract's `Email` and `Phone` patterns.
    private static let email = try! NSRegularExpression(pattern: "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$")
    private static let phone = try! NSRegularExpression(pattern: "^\\+[1-9]([ .()/-]*[0-9]){6,14}[ .()/-]*$")

    private static func matches(_ expression: NSRegularExpression, _ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
