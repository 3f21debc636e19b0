@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZIPFoundation

/// Sheets read from uploads: streamed within fixed limits whatever the file declares, and only
/// for callers allowed to send them.
@Suite("Sheet limits")
struct SheetLimitTests {
    /// A workbook whose first sheet's `sheetData` is `rows`, with `shared` strings if given.
    static func workbook(_ rows: String, shared: String? = nil, prefix: String = "") throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let namespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let p = prefix.isEmpty ? "" : prefix + ":"
        let declaration = prefix.isEmpty ? "xmlns=\"\(namespace)\"" : "xmlns:\(prefix)=\"\(namespace)\""
        try add("xl/workbook.xml", "<\(p)workbook \(declaration)><\(p)sheets><\(p)sheet name=\"S\" sheetId=\"1\"/></\(p)sheets></\(p)workbook>")
        try add("xl/worksheets/sheet1.xml", "<\(p)worksheet \(declaration)><\(p)sheetData>\(rows)</\(p)sheetData></\(p)worksheet>")
        if let shared { try add("xl/sharedStrings.xml", "<sst xmlns=\"\(namespace)\">\(shared)</sst>") }
        return try #require(archive.data)
    }

    static func code(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch DomainError.validation(let errors) {
            return errors.first?.code
        } catch {
            return "\(error)"
        }
    }

    @Test("an XLSX sheet: cells by column without padding, shared strings with rich text but not phonetic hints, inline strings, prefixed names")
    func readsWorkbooks() throws {
        let shared = "<si><t>plain</t></si><si><r><t>rich </t></r><r><t>text</t></r><rPh><t>ignored</t></rPh></si>"
        let rows = try XLSXTable.rows(try Self.workbook("""
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="XFD1"/></row>\
            <row r="4"><c r="B4" t="inlineStr"><is><t>inline</t></is></c><c r="D4" t="b"><v>1</v></c><c r="E4"><v>2.5</v></c></row>
            """, shared: shared), limits: SheetLimits(rows: 10))
        #expect(rows == [
            SheetRow(number: 1, cells: [(0, "plain"), (2, "rich text")]),
            SheetRow(number: 4, cells: [(1, "inline"), (3, "true"), (4, "2.5")]),
        ])
        let prefixed = try XLSXTable.rows(try Self.workbook(#"<x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>"#,
                                                             prefix: "x"), limits: SheetLimits(rows: 10))
        #expect(prefixed == [SheetRow(number: 2, cells: [(1, "x")])])
    }

    @Test("an XLSX sheet past a limit is refused by name: rows, a filled far column, a long cell, cells, an inflating part, a DTD")
    func refusesWorkbooks() throws {
        let limits = SheetLimits(rows: 3)
        func read(_ rows: String, _ limits: SheetLimits = limits) -> String? {
            Self.code { try XLSXTable.rows(try Self.workbook(rows), limits: limits) }
        }
        #expect(read(String(repeating: #"<row><c r="XFD1"/></row>"#, count: 3)) == nil)
        #expect(read(String(repeating: #"<row><c r="XFD1"/></row>"#, count: 4)) == "too_many_rows")
        #expect(read(#"<row><c r="XFD1"><v>1</v></c></row>"#) == "too_many_columns")
        #expect(read(#"<row><c r="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1"><v>1</v></c></row>"#) == "too_many_columns")
        #expect(read("<row><c><v>\(String(repeating: "é", count: 32_768))</v></c></row>") == "cell_too_long")
        var few = SheetLimits(rows: 3)
        few.cells = 2
        #expect(read("<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>", few) == "too_many_cells")
        var small = SheetLimits(rows: 1_000_000)
        small.inflatedBytes = 100_000
        #expect(read(String(repeating: "<row/>", count: 20_000), small) == "inflates_too_far")
        let withDTD: Data = try {
            let archive = try Archive(accessMode: .create)
            for (path, text) in [("xl/workbook.xml", "<workbook><sheets><sheet/></sheets></workbook>"),
                                 ("xl/worksheets/sheet1.xml", #"<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><worksheet><sheetData><row><c><v>&a;</v></c></row></sheetData></worksheet>"#)] {
                let data = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            return try #require(archive.data)
        }()
        #expect(throws: XLSXTable.Failure.self) { try XLSXTable.rows(withDTD, limits: limits) }
        #expect(throws: XLSXTable.Failure.self) { try XLSXTable.rows(Data("not a zip".utf8), limits: limits) }
    }

    @Test("a CSV file's shape is measured before it is parsed: fields per record, characters per field, records; quotes followed")
    func csvShape() throws {
        let limits = SheetLimits(rows: 3)
        func check(_ text: String, _ limits: SheetLimits = limits) -> String? { Self.code { try CSVShape.check(Data(text.utf8), limits: limits) } }
        #expect(check("a,b\r\n\"x, \"\"quoted\"\"\ntwo lines\",y\n") == nil)
        #expect(check(String(repeating: ",", count: 8_000_000)) == "too_many_columns")
        #expect(check("a\nb\nc\nd") == "too_many_rows")
        #expect(check("\"" + String(repeating: "x", count: 32_768) + "\"") == "cell_too_long")
        #expect(check("\"" + String(repeating: ",", count: 300) + "\"") == nil)
        let rows = try CSVTable.read(Data("code,name\nA1,\"x,y\"\n".utf8), format: .csv, columns: ["code"], limits: limits)
        #expect(rows.count == 1 && rows[0].line == 2 && rows[0].cells == ["code": "A1", "name": "x,y"])
    }

    @Test("written sheets neutralise formulas in header cells as in other cells (a column may be named after a question label)")
    func neutralisedHeaders() throws {
        let formula = "=HYPERLINK(\"http://evil.test\")"
        let csv = String(decoding: try CSVTable.data(header: ["Reference", formula], rows: [["I-1", "-3"]]), as: UTF8.self)
        #expect(csv.hasPrefix("Reference,\"'=HYPERLINK(\"\"http://evil.test\"\")\"\r\n") && csv.contains("I-1,-3"), "\(csv)")
        let rows = try XLSXTable.rows(try XLSXTable.data(header: ["@SUM(A1)", "Name"], rows: [["+1 Main street", "x"]]), limits: SheetLimits(rows: 5))
        #expect(rows.map { $0.cells.map(\.value) } == [["'@SUM(A1)", "Name"], ["'+1 Main street", "x"]])
    }

    @Test("every upload is authorised before a byte is read: 404 for callers outside the module, the parser's 422 only for those inside")
    func authoriseBeforeParse() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard) = try await ReportingProjectTests.prepare(w, client)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let junk = ByteBuffer(string: "junk, not a file")
            func send(_ method: HTTPRequest.Method, _ path: String, _ token: String, _ type: String) async throws -> TestResponse {
                try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer \(token)", .contentType: type], body: junk)
            }
            // Operators reach the security objectives module but may not import into it (403).
            let uploads: [(HTTPRequest.Method, String, String, operators: HTTPResponse.Status)] = [
                (.post, "/api/v1/declarations/import?standard_id=\(standard)&operator_id=\(w.operator1.text)&year=\(year)&sector_ids=\(w.electricity.text)",
                 XLSXTable.mediaType, .forbidden),
                (.post, "/api/v1/standards/\(standard)/import?sheet=objectives", XLSXTable.mediaType, .forbidden),
                (.post, "/api/v1/observation-catalogue/import", "text/csv", .notFound),
                (.put, "/api/v1/report-configurations/\(standard)/logo", "image/png", .notFound),
                (.post, "/api/v1/risk-analyses/import", "multipart/form-data; boundary=x", .notFound),
            ]
            for (method, path, type, operators) in uploads {
                for actor in ["iu", "opa", "oa", "pa"] {
                    let answer = try await send(method, path, tokens[actor]!, type)
                    #expect(answer.status == (actor == "opa" ? operators : .notFound),
                            "\(actor) \(method) \(path): \(answer.status) \(String(buffer: answer.body))")
                }
            }
            // Inside the module the file is read, and refused by its parser.
            for (method, path, type, _) in uploads.prefix(4) {
                let answer = try await send(method, path, tokens["ra"]!, type)
                #expect(answer.status == .unprocessableContent, "\(method) \(path): \(answer.status) \(String(buffer: answer.body))")
            }
        }
        await w.platform.shutdown()
    }
}
