import Foundation
import SWXMLHash
import ZIPFoundation

/// The first worksheet of an XLSX workbook as rows of text, read with ZIPFoundation (the
/// container) and SWXMLHash (its XML parts); and a one-sheet workbook written the same way, with
/// inline strings. Cells a spreadsheet would run as formulas get a leading apostrophe, as in
/// ``CSVTable``.
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
        for (index, row) in ([header] + rows.map { $0.map(CSVTable.neutralized) }).enumerated() {
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

    /// The zero-based column of a cell reference such as `C12`.
    static func columnIndex(_ reference: String) -> Int? {
        var number = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) else { break }
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

    /// The rows of the workbook's first worksheet by their numbers (row 1 first, rows missing from
    /// the file empty), each as many cells as its last filled column.
    ///
    /// - Throws: ``Failure`` for anything that is not such a workbook.
    public static func rows(_ data: Data, maximumBytes: Int = 64 * 1024 * 1024) throws -> [[String]] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Failure.notAWorkbook("not a ZIP container")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            // A part that unpacks past the limit (a ZIP bomb) is refused before it is read.
            guard entry.uncompressedSize <= Int64(maximumBytes) else { throw Failure.notAWorkbook("\(path) is too large") }
            var content = Data()
            _ = try archive.extract(entry) { content.append($0) }
            return content
        }
        guard let workbook = try part("xl/workbook.xml") else { throw Failure.notAWorkbook("no xl/workbook.xml") }
        // The first sheet's part, through the workbook's relationships.
        let sheetID = XMLHash.parse(workbook)["workbook"]["sheets"]["sheet"].all.first?.element?.allAttributes
            .first { $0.key.hasSuffix(":id") || $0.key == "id" }?.value.text
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let sheetID, let relationships = try part("xl/_rels/workbook.xml.rels") {
            for relationship in XMLHash.parse(relationships)["Relationships"]["Relationship"].all {
                guard relationship.element?.attribute(by: "Id")?.text == sheetID,
                      let target = relationship.element?.attribute(by: "Target")?.text else { continue }
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }
        guard let sheet = try part(sheetPath) else { throw Failure.notAWorkbook("no \(sheetPath)") }
        var shared: [String] = []
        if let strings = try part("xl/sharedStrings.xml") {
            shared = XMLHash.parse(strings)["sst"]["si"].all.map(text)
        }
        var rows: [[String]] = []
        for row in XMLHash.parse(sheet)["worksheet"]["sheetData"]["row"].all {
            // Rows keep their numbers: empty rows are left out of the file, not of the sheet.
            if let number = row.element?.attribute(by: "r").flatMap({ Int($0.text) }), number > rows.count + 1, number <= 1_048_576 {
                rows += Array(repeating: [], count: number - 1 - rows.count)
            }
            var cells: [String] = []
            for (position, cell) in row["c"].all.enumerated() {
                let column = cell.element?.attribute(by: "r").flatMap { columnIndex($0.text) } ?? position
                guard column < 16_384 else { continue }
                let value: String
                switch cell.element?.attribute(by: "t")?.text {
                case "s": value = Int(cell["v"].element?.text ?? "").flatMap { shared.indices.contains($0) ? shared[$0] : nil } ?? ""
                case "inlineStr": value = text(cell["is"])
                case "b": value = cell["v"].element?.text == "1" ? "true" : "false"
                default: value = cell["v"].element?.text ?? ""
                }
                while cells.count < column { cells.append("") }
                if cells.count == column { cells.append(value) } else { cells[column] = value }
            }
            rows.append(cells)
        }
        return rows
    }

    /// The text of a string item: its `t` elements, rich-text runs included.
    static func text(_ item: XMLIndexer) -> String {
        if let direct = item["t"].element { return direct.text }
        return item["r"].all.compactMap { $0["t"].element?.text }.joined()
    }
}
