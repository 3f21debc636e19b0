import Foundation

/// One page of a list, and where the next one starts.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Pass back as `cursor` for the next page; `nil` on the last page.
    public let nextCursor: String?

    /// A page from `limit + 1` fetched rows, each with its sort key as the database compares it:
    /// the extra row only tells that more follow.
    init(fetched: [(item: Item, key: String, id: UUID)], limit: Int) {
        items = fetched.prefix(limit).map(\.item)
        nextCursor = fetched.count > limit ? fetched.prefix(limit).last.map { PageCursor.encode(($0.key, $0.id)) } : nil
    }
}

/// An opaque keyset cursor: the sort key and id of the last item of a page, base64url (made by
/// hand: a JSONEncoder here cost 5% of a list request).
enum PageCursor {
    /// The largest `limit` of any list.
    static let maximumSize = 200

    static func encode(_ position: (String, UUID)) -> String {
        // The key never holds NUL (requests refuse it), so NUL separates it from the id.
        let data = Data((position.0 + "\u{0}" + position.1.uuidString).utf8)
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/",
            with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// - Throws: a validation error naming `cursor` for anything not made by ``encode(_:)``.
    static func decode(_ text: String?) throws -> (String, UUID)? {
        // An empty cursor is no cursor: the first page.
        guard let text, !text.isEmpty else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let separator = text.lastIndex(of: "\u{0}"), let id = UUID(uuidString: String(text[text.index(after: separator)...])) else {
            throw DomainError.validation([FieldError(field: "cursor", code: "invalid", message: "Use the next_cursor of a previous page.")])
        }
        return (String(text[..<separator]), id)
    }

    /// - Throws: a validation error unless 1 ≤ `limit` ≤ ``maximumSize``.
    static func check(limit: Int) throws {
        guard (1...maximumSize).contains(limit) else {
            throw DomainError.validation([FieldError(field: "limit", code: "out_of_range", message: "limit must be between 1 and \(maximumSize).")])
        }
    }
}
