import CSV
import Foundation

/// A CSV file (RFC 4180: comma-separated, CRLF, quoted where needed), written with CSV.swift.
/// A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, carriage return
/// first) gets a leading apostrophe, so an exported answer never runs as one.
public enum CSVTable {
    public static func data(header: [String], rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: header)
        for row in rows { try writer.write(row: row.map(neutralized)) }
        writer.stream.close()
        return stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    static func neutralized(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        // Numbers stay numbers: "-3" is not a formula.
        if Double(value) != nil { return value }
        return "'" + value
    }
}
