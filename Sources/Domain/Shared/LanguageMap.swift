import Foundation

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

    /// The text in `language`, else in English, else in whichever language there is: for texts
    /// from imported files, which may hold one language only.
    public func anyText(preferring language: Language) -> String {
        let text = self.text(in: language)
        return text.isEmpty ? values.sorted { $0.key < $1.key }.first?.value ?? "" : text
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
            let trimmed = TextRules.trimmed(value)
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
