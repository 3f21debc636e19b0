import Foundation

/// `If-Match` (RFC 9110 §13.1.1) against a resource's current entity tag: `*` matches any
/// existing resource, a list matches when one of its strong tags is the current one (a weak
/// tag, `W/"…"`, never matches: If-Match compares strongly).
public enum EntityTag {
    /// What an `If-Match` value says: any current resource, or these tags.
    public enum Condition: Equatable, Sendable {
        case any
        case tags([String])
    }

    /// The condition an `If-Match` value states, or nil when it is neither `*` nor a
    /// comma-separated list of entity tags (`"…"` or `W/"…"`, without `"` or controls inside).
    public static func condition(_ header: String) -> Condition? {
        let value = header.trimmingCharacters(in: .whitespaces)
        if value == "*" { return .any }
        var tags: [String] = []
        var rest = Substring(value)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { break }
            var tag = ""
            if rest.hasPrefix("W/") {
                tag = "W/"
                rest = rest.dropFirst(2)
            }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            let opaque = rest[rest.index(after: rest.startIndex)..<close]
            guard opaque.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x7E).contains($0.value) || $0.value >= 0x80 })
            else { return nil }
            tags.append(tag + "\"" + opaque + "\"")
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
            if rest.isEmpty { break }
            guard rest.first == "," else { return nil }
            rest = rest.dropFirst()
        }
        return tags.isEmpty ? nil : .tags(tags)
    }

    /// Whether `header` matches a resource whose tag is `current` (false for a malformed value).
    public static func matches(_ header: String, current: String) -> Bool {
        switch condition(header) {
        case .any: true
        case .tags(let tags): tags.contains(current)
        case nil: false
        }
    }

    /// Checked once the caller is known to be allowed (an anonymous request gets its 401 first).
    ///
    /// - Throws: 428 with `missing` without `If-Match`, 400 when it is not ETags, 412 with
    ///   `changed` when it does not match.
    public static func require(_ header: String?, current: String, missing: String, changed: String) throws {
        guard let header else { throw DomainError.preconditionRequired(missing) }
        guard condition(header) != nil else { throw DomainError.malformedIfMatch }
        guard matches(header, current: current) else { throw DomainError.preconditionFailed(changed) }
    }
}
