import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport
import ZIPFoundation

/// Hostile uploads against the real `governance-api` process, its memory read from
/// `/proc/<pid>/status`: a 58 KB workbook of a million rows each declaring a cell in the last
/// column (24 MB of XML), and a PNG declaring 32,767 × 32,767 pixels.
@Suite("Upload limits in the API process", .serialized)
struct UploadLimitProcessTests {
    /// The million-row workbook: `<row><c r="XFD1"/></row>` a million times, deflated.
    static func millionRowWorkbook() throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", Data(#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.utf8))
        try add("xl/workbook.xml", Data("""
            <?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="S" sheetId="1"/></sheets></workbook>
            """.utf8))
        var sheet = Data(#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.utf8)
        let row = Data(#"<row><c r="XFD1"/></row>"#.utf8)
        sheet.reserveCapacity(row.count * 1_000_000 + 100)
        for _ in 0..<1_000_000 { sheet.append(row) }
        sheet.append(Data("</sheetData></worksheet>".utf8))
        try add("xl/worksheets/sheet1.xml", sheet)
        return try #require(archive.data)
    }

    /// A PNG signature and header declaring `side` × `side` RGBA pixels, then a few bytes of image data.
    static func png(side: UInt32) -> Data {
        var data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        data.append(Data("IHDR".utf8))
        for value in [side, side] { withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: [8, 6, 0, 0, 0, 0, 0, 0, 0])
        data.append(Data(count: 512))
        return data
    }

    /// Kilobytes of `field` (`VmRSS`, `VmHWM`) in `/proc/<pid>/status`.
    static func memory(_ field: String, pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(field):") })
        return try #require(Int(line.split(whereSeparator: \.isWhitespace)[1]))
    }

    @Test("the million-row workbook: 404 for an unprivileged account with memory untouched, a named 422 for an administrator within 100 MB; the huge PNG refused before decoding")
    func hostileUploads() async throws {
        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        let port = Int.random(in: 19_000..<20_000)
        let environment = TestEnvironment.processEnvironment(configuration, extra: [
            "PORT": String(port), "REQUIRE_TOTP": "false", "PASSWORD_HASH_ITERATIONS": "1000", "LOG_LEVEL": "warning",
        ])
        let seed = try ChildProcess("governance-api", ["seed-demo"], environment: environment)
        #expect(await seed.wait(timeout: .seconds(120)) == 0, "\(seed.output)")
        let api = try ChildProcess("governance-api", ["serve"], environment: environment)
        defer { api.signal(SIGKILL) }
        let client = IncidentEndToEndTests.API(base: "http://127.0.0.1:\(port)")
        #expect(try await eventually(timeout: .seconds(30)) { (try? await client.call("GET", "/health").status) == 200 }, "\(api.output)")
        let independent = try await client.login("independent")
        let regulator = try await client.login("regulator.admin")

        let ids = try #require(try await platform.postgres.query("""
            SELECT o.id AS operator_id, s.sector_id, (SELECT id FROM standards LIMIT 1) AS standard_id
            FROM operators o JOIN operator_sectors s ON s.operator_id = o.id WHERE o.name = 'PowerCo SA' LIMIT 1
            """).first)
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        let importPath = "/api/v1/declarations/import?standard_id=\(try ids.decode("standard_id", as: UUID.self).text)"
            + "&operator_id=\(try ids.decode("operator_id", as: UUID.self).text)&year=\(year)&sector_ids=\(try ids.decode("sector_id", as: UUID.self).text)"
        let workbook = try Self.millionRowWorkbook()
        #expect(workbook.count < 200_000, "\(workbook.count) bytes")
        func send(_ method: String, _ path: String, _ token: String, _ body: Data, type: String) async throws -> IncidentEndToEndTests.API.Answer {
            var request = URLRequest(url: URL(string: client.base + path)!)
            request.httpMethod = method
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue(type, forHTTPHeaderField: "Content-Type")
            request.httpBody = body
            let (data, response) = try await URLSession.shared.data(for: request)
            return .init(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data, headers: [:])
        }
        let xlsx = XLSXTable.mediaType

        // Warm up the paths the refusals take, then read the idle figures.
        _ = try await send("POST", importPath, independent, Data("junk".utf8), type: xlsx)
        _ = try await send("POST", importPath, regulator, Data("junk".utf8), type: xlsx)
        let idle = try Self.memory("VmRSS", pid: api.pid), peakBefore = try Self.memory("VmHWM", pid: api.pid)

        // An independent user: nothing of the file is read.
        let refused = try await send("POST", importPath, independent, workbook, type: xlsx)
        #expect(refused.status == 404, "\(String(decoding: refused.body, as: UTF8.self))")
        let peakAfterRefusal = try Self.memory("VmHWM", pid: api.pid)
        #expect(peakAfterRefusal - peakBefore < 4_096, "peak resident memory rose by \(peakAfterRefusal - peakBefore) kB")

        // A regulator administrator: read as a stream and refused at the row limit, by name.
        let limited = try await send("POST", importPath, regulator, workbook, type: xlsx)
        #expect(limited.status == 422, "\(String(decoding: limited.body, as: UTF8.self))")
        let problem = try JSONSerialization.jsonObject(with: limited.body) as? [String: Any] ?? [:]
        let error = (problem["errors"] as? [[String: Any]])?.first ?? [:]
        #expect(error["code"] as? String == "too_many_rows" && (error["message"] as? String)?.contains("5000 rows") == true, "\(problem)")
        let peak = try Self.memory("VmHWM", pid: api.pid)
        #expect(peak - idle < 100 * 1_024, "peak resident memory \(peak) kB, idle \(idle) kB")

        // The PNG declaring 32,767 pixels a side: 404 for the independent user, refused by its
        // header for the administrator (Cairo would have said invalid_image on these bytes).
        let standard = try ids.decode("standard_id", as: UUID.self).text
        let png = Self.png(side: 32_767)
        #expect(try await send("PUT", "/api/v1/report-configurations/\(standard)/logo", independent, png, type: "image/png").status == 404)
        let large = try await send("PUT", "/api/v1/report-configurations/\(standard)/logo", regulator, png, type: "image/png")
        let largeProblem = try JSONSerialization.jsonObject(with: large.body) as? [String: Any] ?? [:]
        #expect(large.status == 422 && ((largeProblem["errors"] as? [[String: Any]])?.first?["code"] as? String) == "image_too_large", "\(largeProblem)")
        #expect(try Self.memory("VmHWM", pid: api.pid) - idle < 100 * 1_024)
        await platform.shutdown()
    }
}

extension UUID {
    fileprivate var text: String { uuidString.lowercased() }
}
