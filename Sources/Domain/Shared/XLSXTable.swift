import Foundation
import XMLStream
import ZIPFoundation

/// The first worksheet of an XLSX workbook as rows of text, read with ZIPFoundation (the
/// container) and libxml2 (its XML parts, streamed within ``SheetLimits``); and a one-sheet
/// workbook written with inline strings. Cells a spreadsheet would run as formulas, header cells
/// included, get a leading apostrophe, as in ``CSVTable``.
public enum XLSXTable {
    public static let mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    public enum Failure: Error, CustomStringConvertible {
        case notAWorkbook(String)

        public var description: String {
            switch self {
            case .notAWorkbook(let reason): "not an XLSX workbook: \(reason)"
            }
        }
    }

    // MARK: Writing

    public static func data(header: [String], rows: [[String]], sheetName: String = "Sheet1") throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            </Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets><sheet name="\(escaped(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            </Relationships>
            """)
        var sheet = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            """
        for (index, row) in ([header] + rows).map({ $0.map(CSVTable.neutralized) }).enumerated() {
            sheet += "<row r=\"\(index + 1)\">"
            for (column, value) in row.enumerated() where !value.isEmpty {
                sheet += "<c r=\"\(columnName(column))\(index + 1)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escaped(value))</t></is></c>"
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        try add("xl/worksheets/sheet1.xml", sheet)
        guard let data = archive.data else { throw Failure.notAWorkbook("the archive was not written") }
        return data
    }

    /// `A`, `B`, … `Z`, `AA`, … for a zero-based column.
    static func columnName(_ index: Int) -> String {
        var name = "", number = index + 1
        while number > 0 {
            let remainder = (number - 1) % 26
            name = String(UnicodeScalar(65 + remainder)!) + name
            number = (number - 1) / 26
        }
        return name
    }

    /// The zero-based column of a cell reference such as `C12` (past a spreadsheet's last
    /// column, XFD, the count stops: `Int.max` rather than an overflow).
    static func columnIndex(_ reference: String) -> Int? {
        var number = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) else { break }
            guard number <= 16_384 else { return Int.max }
            number = number * 26 + Int(scalar.value) - 64
        }
        return number > 0 ? number - 1 : nil
    }

    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            // Characters XML 1.0 cannot carry are dropped.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r": continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: Reading

    /// The filled rows of the workbook's first worksheet, read within `limits`: every part is
    /// inflated and parsed as a stream (libxml2's push parser fed by the inflater), so neither
    /// a part nor its tree is ever held whole, and a file is refused at the first limit it
    /// passes.
    ///
    /// - Throws: ``Failure`` for anything that is not such a workbook; a 422 ``DomainError``
    ///   naming the limit a file passes.
    public static func rows(_ data: Data, limits: SheetLimits) throws -> [SheetRow] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Failure.notAWorkbook("not a ZIP container")
        }
        var budget = SheetBudget(limits)
        let workbook = WorkbookReader()
        guard try stream("xl/workbook.xml", of: archive, into: workbook, limits: limits) else { throw Failure.notAWorkbook("no xl/workbook.xml") }
        // The first sheet's part, through the workbook's relationships.
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let sheetID = workbook.firstSheetID {
            let relationships = RelationshipsReader(id: sheetID)
            if try stream("xl/_rels/workbook.xml.rels", of: archive, into: relationships, limits: limits), let target = relationships.target {
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }
        let strings = SharedStringsReader(budget: budget)
        _ = try stream("xl/sharedStrings.xml", of: archive, into: strings, limits: limits)
        budget = strings.budget
        let sheet = WorksheetReader(shared: strings.strings, budget: budget)
        guard try stream(sheetPath, of: archive, into: sheet, limits: limits) else { throw Failure.notAWorkbook("no \(sheetPath)") }
        return sheet.rows
    }

    /// Inflates the part at `path` into `handler`, counting inflated bytes as they come.
    /// Returns false when the archive has no such part.
    private static func stream(_ path: String, of archive: Archive, into handler: some XMLStreamHandler, limits: SheetLimits) throws -> Bool {
        guard let entry = archive[path] else { return false }
        let parser = XMLPushParser(handler: handler)
        var inflated = 0
        do {
            _ = try archive.extract(entry) { chunk in
                inflated += chunk.count
                guard inflated <= limits.inflatedBytes else { throw limits.inflatesTooFar }
                try chunk.withUnsafeBytes { try parser.feed($0) }
            }
            try parser.finish()
        } catch let error as DomainError {
            throw error
        } catch let error as XMLStreamError {
            throw Failure.notAWorkbook("\(path) is \(error)")
        } catch {
            throw Failure.notAWorkbook("\(path) could not be unpacked")
        }
        return true
    }
}
