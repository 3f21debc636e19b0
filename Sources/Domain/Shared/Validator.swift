import Foundation

/// Collects field errors, so a request learns about every bad field at once.
struct Validator {
    private(set) var errors: [FieldError] = []

    mutating func check(_ condition: Bool, _ field: String, _ code: String, _ message: String) {
        if !condition { errors.append(FieldError(field: field, code: code, message: message)) }
    }

    mutating func add(_ more: [FieldError]) {
        errors += more
    }

    /// A translated text, cleaned; see ``LanguageMap/validated(_:field:required:maximumLength:)``.
    mutating func languageMap(_ map: LanguageMap?, _ field: String, required: Bool, maximumLength: Int) -> LanguageMap {
        let (cleaned, problems) = LanguageMap.validated(map, field: field, required: required, maximumLength: maximumLength)
        errors += problems
        return cleaned
    }

    /// An ISO 3166-1 alpha-2 code, upper-cased; `nil` for nil or empty.
    mutating func country(_ value: String?, _ field: String = "country") -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces).uppercased(), !value.isEmpty else { return nil }
        check(Self.countries.contains(value), field, "invalid", "Use an ISO 3166-1 alpha-2 country code such as LU or FR.")
        return value
    }

    /// An e-mail address, lower-cased; `nil` for nil or empty.
    mutating func email(_ value: String?, _ field: String) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let email = User.normalize(email: value)
        check(UserAdministration.isPlausibleEmail(email), field, "invalid", "Enter a valid e-mail address.")
        return email
    }

    /// A phone number in international format (E.164 once spaces, dots, dashes and brackets are
    /// removed); `nil` for nil or empty.
    mutating func phone(_ value: String?, _ field: String = "phone") -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let compact = value.filter { !" .-()/".contains($0) }
        let digits = compact.dropFirst()
        check(compact.hasPrefix("+") && (7...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) && digits.first != "0",
              field, "invalid", "Give the number in international format, e.g. +352 123 456.")
        return compact
    }

    /// A required single-line text, trimmed.
    mutating func text(_ value: String?, _ field: String, required: Bool, maximumLength: Int) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            check(!required, field, "required", "\(field) is required.")
            return nil
        }
        check(trimmed.count <= maximumLength, field, "too_long", "\(field) has at most \(maximumLength) characters.")
        return trimmed
    }

    func throwIfInvalid() throws {
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }

    static let countries: Set<String> = Set(Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) })
}
