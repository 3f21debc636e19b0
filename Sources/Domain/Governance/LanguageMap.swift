import Foundation

/// The languages of translated texts; English is the fallback and always present.
public enum Language: String, Sendable, CaseIterable, Codable {
    case en, fr, nl, de

    /// The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): highest
    /// q first, then the order given; English when nothing matches.
    public static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .en }
        var candidates: [(language: Language, q: Double, index: Int)] = []
        for (index, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if q > 0, let language = Language(rawValue: primary) { candidates.append((language, q, index)) }
        }
        return candidates.sorted { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }.first?.language ?? .en
    }
}

/// A text in several languages: `{"en": "...", "fr": "..."}`.
public struct LanguageMap: Sendable, Equatable, Codable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    /// The text in `language`, else in English, else empty.
    public func text(in language: Language) -> String {
        values[language.rawValue] ?? values[Language.en.rawValue] ?? ""
    }

    public var isEmpty: Bool { values.isEmpty }

    /// The map with surrounding spaces trimmed and empty entries dropped, or the problems of
    /// `field`: unknown languages, a missing English text (when `required`), texts too long.
    static func validated(_ map: LanguageMap?, field: String, required: Bool, maximumLength: Int) -> (LanguageMap, [FieldError]) {
        var errors: [FieldError] = []
        var cleaned: [String: String] = [:]
        for (key, value) in map?.values ?? [:] {
            guard Language(rawValue: key) != nil else {
                errors.append(FieldError(field: "\(field).\(key)", code: "unknown_language", message: "Languages are en, fr, nl and de."))
                continue
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count > maximumLength {
                errors.append(FieldError(field: "\(field).\(key)", code: "too_long", message: "\(field) has at most \(maximumLength) characters."))
            }
            if !trimmed.isEmpty { cleaned[key] = trimmed }
        }
        if required, cleaned["en"] == nil {
            errors.append(FieldError(field: "\(field).en", code: "required", message: "The English text of \(field) is required."))
        }
        return (LanguageMap(cleaned), errors)
    }

    /// The JSON text stored in a jsonb column.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Decodes a jsonb column read as text.
    static func parse(_ text: String) throws -> LanguageMap {
        LanguageMap(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)))
    }
}
