import Foundation

/// A request body read as RFC 8259 JSON, and nothing looser: Foundation's parser does the
/// reading, and its one leniency, a comma before `}` or `]`, is refused here. What is not JSON
/// answers 400 naming the line and column.
enum StrictJSON {
    /// The value `bytes` hold.
    ///
    /// - Throws: a 400 problem naming what is wrong and where.
    static func parse(_ bytes: Data) throws -> Any {
        if bytes.allSatisfy({ Self.isWhitespace($0) }) {
            throw Problem.malformedBody("The body is empty; send a JSON value.")
        }
        if let comma = trailingComma(bytes) {
            throw Problem.malformedBody("The body is not valid JSON: a comma before a closing bracket at \(position(of: comma, in: bytes)).")
        }
        do {
            return try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            let offset = description.firstMatch(of: /character ([0-9]+)/).flatMap { Int($0.1) }
            let reason = description.replacing(#/ around character [0-9]+\.?$/#, with: "").replacing(/\.$/, with: "")
            let place = offset.map { " at \(position(of: min($0, bytes.count), in: bytes))" } ?? ""
            throw Problem.malformedBody("The body is not valid JSON: \(reason.isEmpty ? "unreadable" : reason.lowercased())\(place).")
        }
    }

    /// The offset of a comma followed, white space apart, by `}` or `]`, outside strings.
    static func trailingComma(_ bytes: Data) -> Int? {
        var inString = false, escaped = false
        var lastComma: Int?
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; lastComma = nil
            case UInt8(ascii: ","): lastComma = offset
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let lastComma { return lastComma }
            default:
                if !isWhitespace(byte) { lastComma = nil }
            }
        }
        return nil
    }

    /// "line L, column C" of a byte offset (columns count characters, from 1).
    static func position(of offset: Int, in bytes: Data) -> String {
        let before = bytes.prefix(offset)
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
        let column = String(decoding: bytes[lineStart..<(before.startIndex + offset)], as: UTF8.self).count + 1
        return "line \(line), column \(column)"
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
