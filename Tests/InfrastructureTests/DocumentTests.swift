import Documents
import Domain
import Foundation
import Testing
import TestSupport

/// A 1×1 PNG.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!

@Suite("PDF documents")
struct DocumentTests {
    static let languages = [
        ("Français", "Déclaration d'un incident significatif : œuvre, façade, élève, garçon, « guillemets » à Noël."),
        ("Deutsch", "Überprüfung der Maßnahmen für Straßenverkehr und Größenordnung, äußerst schön."),
        ("Nederlands", "Beoordeling van het incident: geïnformeerd, coördinatie, ruïne en één café."),
    ]

    func longDocument() -> (Document, [String]) {
        var blocks: [Document.Block] = [.heading(level: 1, text: "Rapport sectoriel – Énergie")]
        var expected = ["Rapport sectoriel – Énergie"]
        for (language, sentence) in Self.languages {
            blocks.append(.heading(level: 2, text: language))
            blocks.append(.paragraph(text: sentence))
            expected += [language, sentence]
        }
        blocks.append(.keyValues(pairs: [KeyValue("Opérateur", "Électricité Öffentlich NV"), KeyValue("Année", "2026")]))
        expected += ["Opérateur", "Électricité Öffentlich NV"]
        blocks.append(.heading(level: 2, text: "Mesures"))
        expected.append("Mesures")
        let rows = (1...1100).map { index in ["M-\(String(format: "%04d", index))", "Maßnahme \(index)", index % 2 == 0 ? "conforme" : "à revoir"] }
        blocks.append(.table(Table(columns: ["Référence", "Intitulé", "Statut"], rows: rows, widths: [1, 3, 1])))
        expected += rows.flatMap { $0 }
        blocks.append(.heading(level: 2, text: "Graphiques"))
        blocks.append(.barChart(BarChart(title: "Niveaux de maturité", categories: ["Gouvernance", "Protection", "Détection"],
                                         series: [ChartSeries(name: "2025", values: [1, 2, 3]), ChartSeries(name: "2026", values: [2, 3, 4])])))
        blocks.append(.radarChart(RadarChart(title: "Profil", axes: ["Identifier", "Protéger", "Détecter", "Répondre", "Rétablir"],
                                             series: [ChartSeries(name: "Secteur", values: [2, 3, 1, 4, 2])], maximum: 4)))
        blocks.append(.image(png: tinyPNG, width: 40))
        expected += ["Graphiques", "Niveaux de maturité", "Gouvernance", "Profil"]
        return (Document(title: "Rapport sectoriel", author: "Régulateur national", subject: "Secteur énergie",
                         createdAt: Date(timeIntervalSince1970: 1_795_000_000), logoPNG: tinyPNG, blocks: blocks), expected)
    }

    @Test("a 30-page document with long tables keeps every string, in order, accents included")
    func longDocumentText() throws {
        let (document, expected) = longDocument()
        let inspection = try PDFInspection(try PDFRenderer.render(document))
        let pageCount = try #require(inspection.pageCount)
        #expect(pageCount >= 30)
        let (inOrder, missing) = occursInOrder(expected, in: inspection.text)
        #expect(inOrder, "missing or out of order: \(missing ?? "")")
        #expect(inspection.pages.count == pageCount)
        for (index, page) in inspection.pages.enumerated() {
            #expect(page.contains("Page \(index + 1) of \(pageCount)"))
        }
        // The table header is repeated on every page the table spans.
        let tablePages = inspection.pages.filter { $0.contains("M-0") }
        #expect(tablePages.count >= 25)
        #expect(tablePages.allSatisfy { $0.contains("Référence") && $0.contains("Intitulé") })
    }

    @Test("metadata and bookmarks are written")
    func metadataAndOutline() throws {
        let (document, _) = longDocument()
        let pdf = try PDFRenderer.render(document)
        let inspection = try PDFInspection(pdf)
        #expect(inspection.infoField("Title") == "Rapport sectoriel")
        #expect(inspection.infoField("Author") == "Régulateur national")
        #expect(inspection.infoField("Subject") == "Secteur énergie")
        #expect(inspection.infoField("CreationDate")?.contains("2026") == true)
        let raw = String(decoding: pdf, as: UTF8.self)
        #expect(raw.contains("/Outlines"))
        #expect(raw.components(separatedBy: "/Title").count - 1 >= 7)  // metadata title + 7 headings
    }

    @Test("long words and URLs wrap inside the margins")
    func longWordsWrap() throws {
        let url = "https://governance.example/incidents/" + String(repeating: "abcdefghij", count: 30) + "/end"
        let document = Document(title: "Wrap", author: "Tests", blocks: [
            .paragraph(text: "See \(url) for details."),
            .table(Table(columns: ["Key", "Value"], rows: [["url", url]])),
        ])
        let inspection = try PDFInspection(try PDFRenderer.render(document))
        let compact = inspection.text.filter { !$0.isWhitespace }
        #expect(compact.contains(url))
        // Wrapped: no extracted line holds the whole URL.
        #expect(!inspection.text.split(separator: "\n").contains { $0.contains(url) })
    }

    @Test("an invalid PNG is reported, not drawn")
    func invalidImage() {
        let document = Document(title: "Bad", author: "Tests", blocks: [.image(png: Data("not a png".utf8), width: nil)])
        #expect(throws: DocumentError.invalidImage) { try PDFRenderer.render(document) }
        // An invalid logo fails after the surface exists; the canvas is released on that path too.
        let badLogo = Document(title: "Bad", author: "Tests", logoPNG: Data("not a png".utf8), blocks: [.paragraph(text: "Text")])
        #expect(throws: DocumentError.invalidImage) { try PDFRenderer.render(badLogo) }
    }

    @Test("documents round-trip through JSON, as job payloads do")
    func codable() throws {
        let (document, _) = longDocument()
        let data = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(Document.self, from: data) == document)
        // Job payloads use snake_case keys: the logo must survive them too.
        let payload = try JobPayloadCoding.decode(RenderPDFPayload.self, from: try JobPayloadCoding.encode(
            RenderPDFPayload(documentId: UUID(), filename: "report.pdf", document: document)))
        #expect(payload.document.logoPNG == tinyPNG)
        #expect(payload.document == document)
    }

    @Test("a table of contents gives each heading the page it lands on; landscape pages; a badge on every page; coloured cells")
    func contentsOrientationBadgeColours() throws {
        var blocks: [Document.Block] = [.heading(level: 1, text: "Cover"), .paragraph(text: "Before the contents."),
                                        .tableOfContents(title: "Contents", depth: 2)]
        for chapter in 1...4 {
            blocks.append(.orientation(chapter % 2 == 0 ? .landscape : .portrait))
            blocks.append(.heading(level: 1, text: "Chapter \(chapter)"))
            for section in 1...3 {
                blocks.append(.heading(level: 2, text: "Section \(chapter).\(section)"))
                blocks.append(.heading(level: 3, text: "Detail \(chapter).\(section)"))
                blocks.append(.paragraph(text: String(repeating: "Filler text of chapter \(chapter). ", count: 60 * chapter)))
            }
        }
        blocks.append(.table(Table(columns: ["Level", "Label"], rows: [["1", "Basic"], ["3", "Advanced"]],
                                   fills: [["#ffc000", nil], ["#036", "not a colour"]])))
        let document = Document(title: "Layout", author: "Tests", footerBadge: .tlpAmber, blocks: blocks)
        let inspection = try PDFInspection(try PDFRenderer.render(document))
        let pages = inspection.pages
        #expect(pages.count == inspection.pageCount)
        #expect(pages.allSatisfy { $0.contains("TLP:AMBER") })

        // Every entry's page number is the page where its heading is, and only headings down to
        // level 2 are listed.
        let contents = try #require(pages.first { $0.contains("Contents") && $0.contains("Chapter 1") })
        #expect(!contents.contains("Detail 1.1"))
        var checked = 0
        for line in contents.split(separator: "\n") where line.contains("Chapter ") || line.contains("Section ") {
            let words = line.split(separator: " ")
            let page = try #require(Int(words.last!), "\(line)")
            let heading = words.prefix(2).joined(separator: " ")
            #expect(line.contains("....."))
            let target = pages[page - 1].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(target.contains(heading), "\(heading) is not on page \(page)")
            checked += 1
        }
        #expect(checked == 16)
        // Chapters 2 and 4 are landscape, from the page where they start to the next chapter.
        let chapterPages = try (1...4).map { chapter in
            try #require(pages.firstIndex { $0.contains("Chapter \(chapter)\n") && !$0.contains("Chapter \(chapter) ...") })
        }
        #expect(inspection.pageSizes.count == pages.count)
        for (index, size) in inspection.pageSizes.enumerated() {
            let chapter = chapterPages.lastIndex { $0 <= index }.map { $0 + 1 } ?? 0
            #expect((size.width > size.height) == (chapter % 2 == 0 && chapter > 0), "page \(index + 1) of chapter \(chapter)")
        }
        // The fills are painted; white text on the dark one; an invalid colour is ignored.
        let colours = try inspection.colours(page: pages.count)
        #expect(colours.contains(0xFFC000))
        #expect(colours.contains(0x003366))
        // The badge: amber text on black.
        #expect(try inspection.colours(page: 1).contains(0x000000))
        let json = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(Document.self, from: json) == document)
    }
}
