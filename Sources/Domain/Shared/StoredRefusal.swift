import Foundation

/// Why work done later for a request (an import in the worker) was refused, kept as the
/// problem its caller gets when reading the outcome.
struct StoredRefusal: Codable {
    var kind: String
    var message: String
    var fields: [FieldError]

    init(_ error: DomainError) {
        switch error {
        case .validation(let errors): (kind, message, fields) = ("validation", "", errors)
        case .conflict(let message): (kind, self.message, fields) = ("conflict", message, [])
        case .notFound(let message): (kind, self.message, fields) = ("notFound", message, [])
        case .forbidden(let message): (kind, self.message, fields) = ("forbidden", message, [])
        case .missingScope(let scope): (kind, message, fields) = ("forbidden", "The token lacks the \(scope) scope.", [])
        // The token ended: a conflict for whoever reads the outcome later, with another token.
        case .unauthenticated(let message): (kind, self.message, fields) = ("conflict", message + " Send the file again.", [])
        default: (kind, message, fields) = ("conflict", "The import could not be done: \(error).", [])
        }
    }

    var error: DomainError {
        switch kind {
        case "validation": .validation(fields)
        case "notFound": .notFound(message)
        case "forbidden": .forbidden(message)
        default: .conflict(message)
        }
    }
}
