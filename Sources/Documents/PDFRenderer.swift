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
        try layout.layout(document.blocks)
        let logo = try document.logoPNG.map { try PNGImage(png: $0) }

        canvas.metadata(CAIRO_PDF_METADATA_TITLE, document.title)
        canvas.metadata(CAIRO_PDF_METADATA_AUTHOR, document.author)
        if let subject = document.subject { canvas.metadata(CAIRO_PDF_METADATA_SUBJECT, subject) }
        canvas.metadata(CAIRO_PDF_METADATA_CREATOR, "Governance Platform")
        canvas.metadata(CAIRO_PDF_METADATA_CREATE_DATE, iso8601(document.createdAt))

        var parents: [Int: Int32] = [:]
        let pageCount = layout.pages.count
        for (pageIndex, ops) in layout.pages.enumerated() {
            let size = PageLayout.size(layout.orientations[pageIndex])
            canvas.setPageSize(width: size.width, height: size.height)
            drawHeader(document, logo: logo, canvas: canvas, pageWidth: size.width)
            // Text goes last, one Cairo call per font and colour on the page: every call costs
            // a recording, an analysis and a replay in Cairo's PDF surface, and text only ever
            // lies over backgrounds and rules.
            var runs: [TextStyle: [Canvas.Run]] = [:]
            var styles: [TextStyle] = []
            for op in ops {
                switch op {
                case .text(let string, let x, let baseline, let font, let color):
                    let style = TextStyle(font: font, color: color)
                    if runs[style] == nil { styles.append(style) }
                    runs[style, default: []].append(Canvas.Run(text: string, x: x, baseline: baseline))
                case .fill(let x, let y, let width, let height, let color, let alpha):
                    canvas.fill(x: x, y: y, width: width, height: height, color: color, alpha: alpha)
                case .line(let from, let to, let color, let width):
                    canvas.line(from: from, to: to, color: color, width: width)
                case .polygon(let points, let fill, let stroke):
                    canvas.polygon(points, fill: fill, fillAlpha: 0.12, stroke: stroke, width: 1.4)
                case .solid(let points, let color):
                    canvas.polygon(points, fill: color, fillAlpha: 1, stroke: nil)
                case .stroke(let points, let closed, let color, let width, let dash):
                    canvas.stroke(points, closed: closed, color: color, width: width, dash: dash)
                case .image(let index, let x, let y, let width, let height):
                    canvas.image(layout.images[index], x: x, y: y, width: width, height: height)
                case .bookmark(let title, let level, let y):
                    let parent = (1..<max(level, 1)).reversed().lazy.compactMap { parents[$0] }.first ?? 0
                    parents[level] = canvas.outline(title, parent: parent, page: pageIndex + 1, y: y)
                    for deeper in (level + 1)...4 { parents[deeper] = nil }
                case .contentsEntry(let text, let x, let baseline, let right, let font, let heading):
                    let target = layout.headings[heading]
                    let number = String(target.page + 1)
                    let numberX = right - canvas.width(number, font)
                    let textEnd = x + canvas.width(text, font) + 4
                    let dot = canvas.width(".", font)
                    let dots = String(repeating: ".", count: max(Int((numberX - 4 - textEnd) / dot), 0))
                    canvas.link(toPage: target.page + 1, y: target.y) {
                        canvas.text(text, x: x, baseline: baseline, font: font, color: .text)
                        canvas.text(dots, x: numberX - 4 - canvas.width(dots, font), baseline: baseline, font: font, color: .muted)
                        canvas.text(number, x: numberX, baseline: baseline, font: font, color: .text)
                    }
                }
            }
            for style in styles { canvas.text(runs[style]!, font: style.font, color: style.color) }
            drawFooter(document, page: pageIndex + 1, of: pageCount, canvas: canvas, size: size)
            canvas.showPage()
        }
        try canvas.finish()
        return output.data
    }

    /// The pixel size of a PNG, decoded the way a document would draw it.
    ///
    /// - Throws: ``DocumentError/invalidImage`` when the bytes are not a PNG Cairo reads;
    ///   ``DocumentError/imageTooLarge(width:height:)``, before decoding, past
    ///   ``PNGHeader/maximumSide``.
    public static func pngSize(_ png: Data) throws -> (width: Int, height: Int) {
        let image = try PNGImage(png: png)
        return (image.width, image.height)
    }

    private static let margin = 56.0

    private struct TextStyle: Hashable {
        var font: Font
        var color: Color
    }

    private static func drawHeader(_ document: Document, logo: PNGImage?, canvas: Canvas, pageWidth: Double) {
        let right = pageWidth - margin
        let text = canvas.fitted(document.header ?? document.title, font: .small, width: right - margin - 80)
        canvas.text(text, x: margin, baseline: 48, font: .small, color: .muted)
        if let logo {
            let height = 24.0
            let width = height * Double(logo.width) / Double(max(logo.height, 1))
            canvas.image(logo, x: right - width, y: 30, width: width, height: height)
        }
        canvas.line(from: (margin, 58), to: (right, 58), color: .rule, width: 0.5)
    }

    /// The page label in the middle, and the badge (if any) on the left.
    private static func drawFooter(_ document: Document, page: Int, of pageCount: Int, canvas: Canvas, size: (width: Double, height: Double)) {
        let label = document.pageLabel
            .replacingOccurrences(of: "{page}", with: String(page))
            .replacingOccurrences(of: "{pages}", with: String(pageCount))
        let labelWidth = canvas.width(label, .small)
        canvas.text(label, x: (size.width - labelWidth) / 2, baseline: size.height - 36, font: .small, color: .muted)
        if let badge = document.footerBadge {
            let font = Font(size: 8, bold: true)
            let width = canvas.width(badge.text, font) + 10
            canvas.fill(x: margin, y: size.height - 46, width: width, height: 14, color: Color(hex: badge.background) ?? .text)
            canvas.text(badge.text, x: margin + 5, baseline: size.height - 36, font: font, color: Color(hex: badge.foreground) ?? .white)
        }
    }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
