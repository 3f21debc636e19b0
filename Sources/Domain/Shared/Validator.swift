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
        guard let value = value.map(TextRules.trimmed)?.uppercased(), !value.isEmpty else { return nil }
        check(Self.countries.contains(value), field, "invalid", "Use an ISO 3166-1 alpha-2 country code such as LU or FR.")
        return value
    }

    /// An e-mail address, lower-cased; `nil` for nil or empty.
    mutating func email(_ value: String?, _ field: String) -> String? {
        guard let value, !TextRules.isBlank(value) else { return nil }
        let email = User.normalize(email: value)
        check(TextRules.isEmail(email), field, "invalid", "Enter a valid e-mail address.")
        return email
    }

    /// A phone number in international format, stored as E.164 (without the spaces, dots,
    /// dashes, brackets and slashes); `nil` for nil or empty.
    mutating func phone(_ value: String?, _ field: String = "phone") -> String? {
        guard let value, !TextRules.isBlank(value) else { return nil }
        check(TextRules.isPhone(TextRules.trimmed(value)), field, "invalid", "Give the number in international format, e.g. +352 123 456.")
        return value.filter { !" .-()/".contains($0) }
    }

    /// A required single-line text, trimmed.
    mutating func text(_ value: String?, _ field: String, required: Bool, maximumLength: Int) -> String? {
        let trimmed = value.map(TextRules.trimmed) ?? ""
        if trimmed.isEmpty {
            check(!required, field, "required", "\(field) is required.")
            return nil
        }
        check(trimmed.count <= maximumLength, field, "too_long", "\(field) has at most \(maximumLength) characters.")
        return trimmed
    }

    /// The ids in their order, each once, or an error naming `field` when one repeats.
    mutating func distinct(_ ids: [UUID], _ field: String) -> [UUID] {
        var seen = Set<UUID>()
        let distinct = ids.filter { seen.insert($0).inserted }
        check(distinct.count == ids.count, field, "duplicate", "\(field) lists the same id more than once.")
        return distinct
    }

    func throwIfInvalid() throws {
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }

    /// ISO 3166-1 alpha-2 codes, and XK (Kosovo, as the EU uses it): the contract's `CountryCode`.
    static let countries: Set<String> = [
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG",
        "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI",
        "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH",
        "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ",
        "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
        "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS",
        "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU",
        "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
        "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG",
        "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK",
        "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU",
        "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
    ]
}
