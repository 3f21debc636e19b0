import Domain
import Foundation

/// The constraints of one JSON Schema of `openapi.yaml` that a request's values must meet:
/// types, required and unknown properties, `null`, lengths, patterns, formats (`uuid`,
/// `date-time`, `date`), ranges, item counts and enumerations, with the rules of nested
/// properties, items and map values. Every fault is collected, so one answer names them all.
final class SchemaRule: @unchecked Sendable {
    // Invariant: built once while the contract loads, read-only afterwards.
    /// The JSON types allowed (`type`), without `null`; nil when the schema does not say.
    var types: Set<String>?
    var minLength: Int?
    var maxLength: Int?
    var pattern: NSRegularExpression?
    var patternSource: String?
    var format: String?
    var minimum: Double?
    var maximum: Double?
    var minItems: Int?
    var maxItems: Int?
    /// The allowed texts of a string enumeration.
    var allowedTexts: Set<String>?
    /// The one allowed value of a boolean enumeration (`enum: [true]`).
    var allowedBoolean: Bool?
    /// Whether `null` is a value (`type` lists `"null"`); otherwise a property is given or absent.
    var allowsNull = false
    var properties: [String: SchemaRule] = [:]
    var required: [String] = []
    /// `additionalProperties: false`: a property the schema does not name is refused.
    var closed = false
    /// The rule of the values of a map (`additionalProperties` as a schema).
    var additional: SchemaRule?
    var items: SchemaRule?

    /// Appends the faults of `value` at `field` (a dotted path, `name.en`, `sector_ids[2]`; empty
    /// for the whole body).
    func check(_ value: Any, field: String, into errors: inout [FieldError]) {
        let kind = JSONKind(value)
        if kind == .null {
            if !allowsNull { errors.append(Self.nullError(field)) }
            return
        }
        if let types, !types.contains(kind.name), !(kind == .integer && types.contains("number")) {
            errors.append(FieldError(field: field, code: "type", message: "\(Self.name(field)) must be \(Self.describe(types))."))
            return
        }
        switch kind {
        case .string:
            checkText(value as? String ?? "", field: field, into: &errors)
        case .array:
            let array = value as? [Any] ?? []
            checkCount(array.count, field: field, into: &errors)
            if let items {
                for (index, element) in array.enumerated() { items.check(element, field: "\(field)[\(index)]", into: &errors) }
            }
        case .object:
            checkObject(value as? [String: Any] ?? [:], field: field, into: &errors)
        case .boolean:
            if let allowedBoolean, let flag = value as? Bool, flag != allowedBoolean {
                errors.append(FieldError(field: field, code: "not_allowed", message: "\(Self.name(field)) must be \(allowedBoolean)."))
            }
        case .integer, .number:
            if let number = value as? NSNumber { checkNumber(number.doubleValue, field: field, into: &errors) }
        case .null:
            break
        }
    }

    /// Checks the values of a repeated query parameter (`ids=a&ids=b`): their count and each one.
    func check(parameters values: [String], field: String, into errors: inout [FieldError]) {
        checkCount(values.count, field: field, into: &errors)
        for (index, value) in values.enumerated() { (items ?? self).check(parameter: value, field: "\(field)[\(index)]", into: &errors) }
    }

    /// Checks a parameter's text (a query value or header), as its schema types it.
    func check(parameter text: String, field: String, into errors: inout [FieldError]) {
        if minimum != nil || maximum != nil {
            // Integer parameters: a value that is not a number is the decoder's 400.
            if let number = Double(text) { checkNumber(number, field: field, into: &errors) }
        } else {
            checkText(text, field: field, into: &errors)
        }
    }

    private func checkObject(_ object: [String: Any], field: String, into errors: inout [FieldError]) {
        func path(_ name: String) -> String { field.isEmpty ? name : "\(field).\(name)" }
        for name in required where object[name] == nil {
            errors.append(FieldError(field: path(name), code: "required", message: "\(path(name)) is required: give it a value."))
        }
        for (name, element) in object.sorted(by: { $0.key < $1.key }) {
            if let rule = properties[name] {
                if element is NSNull, !rule.allowsNull {
                    errors.append(required.contains(name) ? Self.nullError(path(name)) : FieldError(
                        field: path(name), code: "null", message: "\(path(name)) takes a value or is left out; null is not a value here."))
                } else {
                    rule.check(element, field: path(name), into: &errors)
                }
            } else if let additional {
                additional.check(element, field: path(name), into: &errors)
            } else if closed {
                errors.append(FieldError(field: path(name), code: "unknown", message: "Unknown field `\(path(name))`: leave it out."))
            }
        }
    }

    private func checkCount(_ count: Int, field: String, into errors: inout [FieldError]) {
        if let minItems, count < minItems {
            errors.append(FieldError(field: field, code: "too_few", message: "\(Self.name(field)) needs at least \(minItems) item(s)."))
        }
        if let maxItems, count > maxItems {
            errors.append(FieldError(field: field, code: "too_many", message: "\(Self.name(field)) has at most \(maxItems) items."))
        }
    }

    private func checkText(_ text: String, field: String, into errors: inout [FieldError]) {
        let name = Self.name(field)
        // JSON Schema counts characters as Unicode code points.
        let length = text.unicodeScalars.count
        if let minLength, length < minLength {
            errors.append(FieldError(field: field, code: "too_short", message: "\(name) needs at least \(minLength) character(s)."))
        }
        if let maxLength, length > maxLength {
            errors.append(FieldError(field: field, code: "too_long", message: "\(name) has at most \(maxLength) characters."))
        }
        if let pattern, let source = patternSource,
           pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            errors.append(FieldError(field: field, code: "invalid", message: "\(name) must be \(Self.expected(byPattern: source))."))
        }
        if let allowedTexts, !allowedTexts.contains(text) {
            let listed = allowedTexts.count <= 12 ? ": " + allowedTexts.sorted().map { "'\($0)'" }.joined(separator: ", ") : ""
            errors.append(FieldError(field: field, code: "not_allowed", message: "\(name) is not one of the allowed values\(listed)."))
        }
        switch format {
        case "uuid" where UUID(uuidString: text) == nil:
            errors.append(FieldError(field: field, code: "invalid", message: "\(name) must be a UUID."))
        case "date-time" where (try? Self.dates.decode(text)) == nil:
            errors.append(FieldError(field: field, code: "invalid",
                                     message: "\(name) must be a date and time with its offset, as 2026-03-01T09:30:00Z or 2026-03-01T10:30:00+01:00."))
        case "date" where !Self.isDate(text):
            errors.append(FieldError(field: field, code: "invalid", message: "\(name) must be a date, as 2026-03-01."))
        default:
            break
        }
    }

    private func checkNumber(_ number: Double, field: String, into errors: inout [FieldError]) {
        if let minimum, number < minimum {
            errors.append(FieldError(field: field, code: "out_of_range", message: "\(Self.name(field)) is at least \(Self.format(minimum))."))
        }
        if let maximum, number > maximum {
            errors.append(FieldError(field: field, code: "out_of_range", message: "\(Self.name(field)) is at most \(Self.format(maximum))."))
        }
    }

    /// The timestamps the generated decoding reads, read the same way.
    private static let dates = RFC3339DateTranscoder()

    private static func nullError(_ field: String) -> FieldError {
        FieldError(field: field, code: "null", message: "\(name(field)) is required: give it a value; null is not a value here.")
    }

    /// How a message names a field: its path, or "The body" for the whole of it.
    private static func name(_ field: String) -> String { field.isEmpty ? "The body" : field }

    private static func describe(_ types: Set<String>) -> String {
        let words: [String: String] = ["string": "a text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
                                        "array": "a list", "object": "an object"]
        return types.sorted().map { words[$0] ?? $0 }.joined(separator: " or ")
    }

    /// What a `pattern` of `openapi.yaml` asks for, in words (a message never shows the expression).
    static func expected(byPattern source: String) -> String {
        Self.patternWords[source] ?? "in the form the API reference gives for it"
    }

    /// Every pattern `openapi.yaml` uses, in words; ContractTests checks that none is missing.
    static let patternWords: [String: String] = [
        #"^[^\u0000]*$"#: "a text without the NUL character",
        #"^[^\u0000]*[^\u0000\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000]*$"#:
            "a text that is not blank (and without the NUL character)",
        #"^[\u0021-\u007E]+$"#: "printable ASCII characters without spaces",
        #"^[\u0020-\u007E]+$"#: "printable ASCII characters",
        #"^[A-Za-z0-9_-]*$"#: "letters, digits, _ and - only",
        #"^[A-Za-z0-9]{1,4}$"#: "1 to 4 letters or digits",
        #"^[A-Za-z0-9]{1,10}$"#: "1 to 10 letters or digits",
        #"^\+[1-9]([ .()/-]*[0-9]){6,14}[ .()/-]*$"#: "a phone number in international format (+ and 7 to 15 digits, as +352 123 456)",
        #"^[a-z0-9_]+$"#: "lower-case letters, digits and _ only",
        #"^[^/\u0000]+$"#: "a name without / or the NUL character",
        #"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"#: "a language code, as en or fr-LU",
        #"^[A-Za-z0-9_]{1,64}$"#: "1 to 64 letters, digits or _",
        #"^[A-Za-z0-9_.-]+$"#: "letters, digits, _, . and - only",
        #"^[A-Za-z0-9_-]{1,64}$"#: "1 to 64 letters, digits, _ or -",
        #"^[A-Za-z0-9_+/-]+$"#: "letters, digits, _, +, / and - only",
        #"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"#: "an e-mail address, as name@example.org",
        #"^[1-9][0-9]{0,17}$"#: "a positive whole number written in digits",
        #"^[0-9]{6}$"#: "six digits",
        #"^(\+[1-9]([ .()/-]*[0-9]){6,14}[ .()/-]*)?$"#:
            "empty or a phone number in international format (+ and 7 to 15 digits, as +352 123 456)",
        #"^([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)?$"#: "empty or an e-mail address, as name@example.org",
        #"^#[0-9A-Fa-f]{6}$"#: "a colour as # and six hexadecimal digits, as #1A73E8",
        #"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"#: "a colour as # and three or six hexadecimal digits, as #1A73E8",
    ]

    private static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        var components = DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: month, day: day)
        components.timeZone = TimeZone(identifier: "UTC")
        return components.isValidDate
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}

/// The JSON type of a value `JSONSerialization` produced.
enum JSONKind: Equatable {
    case null, boolean, integer, number, string, array, object

    /// Booleans are told from numbers by their class: on Linux, `1 is Bool` holds for an NSNumber.
    private static let booleanClass: AnyClass = type(of: NSNumber(value: true))

    init(_ value: Any) {
        switch value {
        case is NSNull: self = .null
        case is String: self = .string
        case is [Any]: self = .array
        case is [String: Any]: self = .object
        case let number as NSNumber:
            if type(of: number) == Self.booleanClass {
                self = .boolean
            } else {
                let double = number.doubleValue
                self = double == double.rounded() && abs(double) < 9.2e18 ? .integer : .number
            }
        default: self = .null
        }
    }

    /// The name JSON Schema's `type` gives it.
    var name: String {
        switch self {
        case .null: "null"
        case .boolean: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
