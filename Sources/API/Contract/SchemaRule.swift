import Domain
import Foundation

/// The constraints of one JSON Schema of `openapi.yaml` that a request's values must meet:
/// lengths, patterns, ranges, item counts, enumerations and the `uuid` format, with the rules of
/// nested properties and items. Types, required fields and unknown fields are checked by the
/// generated decoding (400); this checks the values (422).
final class SchemaRule: @unchecked Sendable {
    // Invariant: built once while the contract loads, read-only afterwards.
    var minLength: Int?
    var maxLength: Int?
    var pattern: NSRegularExpression?
    var patternSource: String?
    var minimum: Double?
    var maximum: Double?
    var minItems: Int?
    var maxItems: Int?
    var isUUID = false
    /// The allowed texts of a string enumeration.
    var allowedTexts: Set<String>?
    /// The one allowed value of a boolean enumeration (`enum: [true]`).
    var allowedBoolean: Bool?
    /// Whether `null` is a value (`type` lists `"null"`); otherwise a property is given or absent.
    var allowsNull = false
    var properties: [String: SchemaRule] = [:]
    var items: SchemaRule?

    /// Appends the violations of `value` at `field` (a dotted path, `name.en`, `sector_ids[2]`).
    func check(_ value: Any, field: String, into errors: inout [FieldError]) {
        switch value {
        case let text as String:
            checkText(text, field: field, into: &errors)
        case let array as [Any]:
            if let minItems, array.count < minItems {
                errors.append(FieldError(field: field, code: "too_few", message: "\(field) needs at least \(minItems) item(s)."))
            }
            if let maxItems, array.count > maxItems {
                errors.append(FieldError(field: field, code: "too_many", message: "\(field) has at most \(maxItems) items."))
            }
            if let items {
                for (index, element) in array.enumerated() { items.check(element, field: "\(field)[\(index)]", into: &errors) }
            }
        case let object as [String: Any]:
            for (name, rule) in properties.sorted(by: { $0.key < $1.key }) {
                guard let element = object[name] else { continue }
                let path = field.isEmpty ? name : "\(field).\(name)"
                if element is NSNull {
                    if !rule.allowsNull { errors.append(FieldError(field: path, code: "null",
                                                                   message: "\(path) must not be null; leave it out instead.")) }
                } else {
                    rule.check(element, field: path, into: &errors)
                }
            }
        case let flag as Bool where allowedBoolean != nil:
            if flag != allowedBoolean {
                errors.append(FieldError(field: field, code: "not_allowed", message: "\(field) must be \(allowedBoolean ?? true)."))
            }
        case let number as NSNumber where !(value is Bool):
            checkNumber(number.doubleValue, field: field, into: &errors)
        default:
            break
        }
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

    private func checkText(_ text: String, field: String, into errors: inout [FieldError]) {
        // JSON Schema counts characters as Unicode code points.
        let length = text.unicodeScalars.count
        if let minLength, length < minLength {
            errors.append(FieldError(field: field, code: "too_short", message: "\(field) needs at least \(minLength) character(s)."))
        }
        if let maxLength, length > maxLength {
            errors.append(FieldError(field: field, code: "too_long", message: "\(field) has at most \(maxLength) characters."))
        }
        if let pattern, let source = patternSource,
           pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            errors.append(FieldError(field: field, code: "invalid", message: "\(field) does not match the pattern \(source)."))
        }
        if let allowedTexts, !allowedTexts.contains(text) {
            let listed = allowedTexts.count <= 12 ? ": " + allowedTexts.sorted().map { "'\($0)'" }.joined(separator: ", ") : ""
            errors.append(FieldError(field: field, code: "not_allowed", message: "\(field) is not one of the allowed values\(listed)."))
        }
        if isUUID, UUID(uuidString: text) == nil {
            errors.append(FieldError(field: field, code: "invalid", message: "\(field) must be a UUID."))
        }
    }

    private func checkNumber(_ number: Double, field: String, into errors: inout [FieldError]) {
        if let minimum, number < minimum {
            errors.append(FieldError(field: field, code: "out_of_range", message: "\(field) is at least \(Self.format(minimum))."))
        }
        if let maximum, number > maximum {
            errors.append(FieldError(field: field, code: "out_of_range", message: "\(field) is at most \(Self.format(maximum))."))
        }
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
