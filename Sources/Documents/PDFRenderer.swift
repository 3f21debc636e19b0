import CCairo
import Foundation

/// Renders a ``Document`` to PDF bytes with Cairo.
///
/// Layout runs first, over every block, so the total page count is known when each page's
/// footer ("Page X of Y") is drawn. Text uses DejaVu Sans through fontconfig, which covers the
/// accented and special characters of French, German, Dutch and the other EU languages.
public enum PDFRenderer {
    /// The PDF file as bytes.
    ///
    /// - Throws: ``DocumentError`` when an image is not a valid PNG or Cairo fails.
    public static func render(_ document: Document) throws -> Data {
        let output = PDFOutput()
        let canvas = try Canvas(output: output)
        let layout = PageLayout(canvas: canvas)
        for block in document.blocks { try layout.layout(block) }
        let logo = try document.logoPNG.map { try PNGImage(png: $0) }

        canvas.metadata(CAIRO_PDF_METADATA_TITLE, document.title)
        canvas.metadata(CAIRO_PDF_METADATA_AUTHOR, document.author)
        if let subject = document.subject { canvas.metadata(CAIRO_PDF_METADATA_SUBJECT, subject) }
        canvas.metadata(CAIRO_PDF_METADATA_CREATOR, "Governance Platform")
        canvas.metadata(CAIRO_PDF_METADATA_CREATE_DATE, iso8601(document.createdAt))

        var parents: [Int: Int32] = [:]
        let pageCount = layout.pages.count
        for (pageIndex, ops) in layout.pages.enumerated() {
            drawHeader(document, logo: logo, layout: layout)
            for op in ops {
                switch op {
                case .text(let string, let x, let baseline, let font, let color):
                    canvas.text(string, x: x, baseline: baseline, font: font, color: color)
                case .fill(let x, let y, let width, let height, let color, let alpha):
                    canvas.fill(x: x, y: y, width: width, height: height, color: color, alpha: alpha)
                case .line(let from, let to, let color, let width):
                    canvas.line(from: from, to: to, color: color, width: width)
                case .polygon(let points, let fill, let stroke):
                    canvas.polygon(points, fill: fill, stroke: stroke)
                case .image(let index, let x, let y, let width, let height):
                    canvas.image(layout.images[index], x: x, y: y, width: width, height: height)
                case .bookmark(let title, let level, let y):
                    let parent = (1..<max(level, 1)).reversed().lazy.compactMap { parents[$0] }.first ?? 0
                    parents[level] = canvas.outline(title, parent: parent, page: pageIndex + 1, y: y)
                    for deeper in (level + 1)...4 { parents[deeper] = nil }
                }
            }
            let label = document.pageLabel
                .replacingOccurrences(of: "{page}", with: String(pageIndex + 1))
                .replacingOccurrences(of: "{pages}", with: String(pageCount))
            let labelWidth = canvas.width(label, .small)
            canvas.text(label, x: (Canvas.pageWidth - labelWidth) / 2, baseline: Canvas.pageHeight - 36, font: .small, color: .muted)
            canvas.showPage()
        }
        try canvas.finish()
        return output.data
    }

    private static func drawHeader(_ document: Document, logo: PNGImage?, layout: PageLayout) {
        let canvas = layout.canvas
        let text = layout.fitted(document.header ?? document.title, font: .small, width: layout.width - 80)
        canvas.text(text, x: layout.left, baseline: 48, font: .small, color: .muted)
        if let logo {
            let height = 24.0
            let width = height * Double(logo.width) / Double(max(logo.height, 1))
            canvas.image(logo, x: layout.right - width, y: 30, width: width, height: height)
        }
        canvas.line(from: (layout.left, 58), to: (layout.right, 58), color: .rule, width: 0.5)
    }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
