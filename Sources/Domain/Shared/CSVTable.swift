import CSV
import Foundation

/// A CSV file (RFC 4180: comma-separated, CRLF, quoted where needed), written with CSV.swift.
/// A cell, header cells included, that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, carriage return
/// first) gets a leading apostrophe, so an exported answer never runs as one.
public enum CSVTable {
    public static func data(header: [String], rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        // Header cells too: a column can be named after a regulator's question label.
        try writer.write(row: header.map(neutralized))
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

/// The formats sheets are exchanged in.
public enum SheetFormat: String, Sendable, CaseIterable {
    case csv, xlsx
}

extension CSVTable {
    /// The rows of a CSV or XLSX file (its first worksheet) as dictionaries by column, after
    /// checking its header; the file is read within `limits` (a CSV file's shape is measured
    /// before it is parsed, a workbook is streamed).
    ///
    /// - Throws: 422 naming `file` for a file that is not UTF-8 CSV or an XLSX workbook, lacks
    ///   one of `columns`, or passes one of `limits` (the code and message name which).
    static func read(_ data: Data, format: SheetFormat, columns: [String], limits: SheetLimits) throws
        -> [(line: Int, cells: [String: String])] {
        func invalid(_ message: String) -> DomainError { .validation([FieldError(field: "file", code: "invalid", message: message)]) }
        var table: [SheetRow] = []
        switch format {
        case .csv:
            try CSVShape.check(data, limits: limits)
            guard let text = String(data: data, encoding: .utf8) else { throw invalid("Send a UTF-8 CSV file.") }
            do {
                let reader = try CSVReader(string: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, hasHeaderRow: false)
                var number = 0
                while let row = reader.next() {
                    number += 1
                    table.append(SheetRow(number: number, cells: row.enumerated().map { ($0.offset, $0.element) }))
                }
            } catch {
                throw invalid("The file is not CSV: \(error).")
            }
        case .xlsx:
            do {
                table = try XLSXTable.rows(data, limits: limits)
            } catch let error as DomainError {
                throw error
            } catch {
                throw invalid("The file is \(error).")
            }
        }
        guard let first = table.first else { throw invalid("The file is empty; columns: \(columns.joined(separator: ",")).") }
        var header: [Int: String] = [:]
        for (column, value) in first.cells { header[column] = TextRules.trimmed(value).lowercased() }
        let missing = columns.filter { !header.values.contains($0) }
        guard missing.isEmpty else { throw invalid("The header lacks \(missing.joined(separator: ", ")); columns: \(columns.joined(separator: ",")).") }
        var rows: [(Int, [String: String])] = []
        for row in table.dropFirst() where !row.cells.allSatisfy({ TextRules.isBlank($0.value) }) {
            var cells: [String: String] = [:]
            for (column, value) in row.cells {
                guard let name = header[column] else { continue }
                cells[name] = restored(TextRules.trimmed(value))
            }
            rows.append((row.number, cells))
        }
        return rows
    }

    /// A cell as written before export neutralised it (`'=...` back to `=...`).
    static func restored(_ value: String) -> String {
        guard value.hasPrefix("'"), let next = value.dropFirst().unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(next) else { return value }
        return String(value.dropFirst())
    }
}
