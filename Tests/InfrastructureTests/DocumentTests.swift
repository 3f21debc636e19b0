import Documents
import Domain
import Foundation
import Testing
import TestSupport

/// A 1×1 PNG.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!

/// Whether `needles` occur in `haystack` in this order.
func occursInOrder(_ needles: [String], in haystack: String) -> (Bool, String?) {
    var rest = haystack[...]
    for needle in needles {
        guard let range = rest.range(of: needle) else { return (false, needle) }
        rest = rest[range.upperBound...]
    }
    return (true, nil)
}

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
}
