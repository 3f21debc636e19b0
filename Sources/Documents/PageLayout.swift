/// One drawing instruction placed on a page by the layout pass.
enum DrawOp {
    case text(String, x: Double, baseline: Double, font: Font, color: Color)
    case fill(x: Double, y: Double, width: Double, height: Double, color: Color, alpha: Double)
    case line(from: (Double, Double), to: (Double, Double), color: Color, width: Double)
    case polygon([(Double, Double)], fill: Color?, stroke: Color?)
    case stroke([(Double, Double)], closed: Bool, color: Color, width: Double, dash: Double?)
    /// A shape filled opaque (a chart marker).
    case solid([(Double, Double)], color: Color)
    case image(index: Int, x: Double, y: Double, width: Double, height: Double)
    case bookmark(String, level: Int, y: Double)
    /// A table of contents line: `text` at `x`, then a dotted leader and, right-aligned at
    /// `right`, the page of heading number `heading`; the whole line links to that heading.
    case contentsEntry(String, x: Double, baseline: Double, right: Double, font: Font, heading: Int)
}

/// Flows blocks onto A4 pages, portrait or landscape: measures text, wraps it, breaks pages,
/// repeats table headers, and notes where each heading lands for the table of contents.
final class PageLayout {
    let canvas: Canvas
    private(set) var pages: [[DrawOp]] = [[]]
    private(set) var orientations: [PageOrientation] = [.portrait]
    private(set) var images: [PNGImage] = []
    /// Where each heading landed, in document order: its page (0-based) and top.
    private(set) var headings: [(page: Int, y: Double)] = []
    var y: Double

    let left = 56.0
    let top = 78.0
    var right: Double { Self.size(orientations[orientations.count - 1]).width - 56 }
    var bottom: Double { Self.size(orientations[orientations.count - 1]).height - 64 }
    var width: Double { right - left }

    static func size(_ orientation: PageOrientation) -> (width: Double, height: Double) {
        orientation == .portrait ? (Canvas.pageWidth, Canvas.pageHeight) : (Canvas.pageHeight, Canvas.pageWidth)
    }

    init(canvas: Canvas) {
        self.canvas = canvas
        y = top
    }

    func add(_ op: DrawOp) { pages[pages.count - 1].append(op) }

    func newPage(_ orientation: PageOrientation? = nil) {
        pages.append([])
        orientations.append(orientation ?? orientations[orientations.count - 1])
        y = top
    }

    /// Starts a new page unless `height` fits below the cursor (or the page is still empty).
    func ensure(_ height: Double) {
        if y + height > bottom, y > top { newPage() }
    }

    func addImage(_ image: PNGImage) -> Int {
        images.append(image)
        return images.count - 1
    }

    // MARK: Text

    /// Splits `text` into lines no wider than `maxWidth`; explicit line breaks are kept and
    /// words longer than a line (URLs, identifiers) are cut between characters. One pass over
    /// the characters (never over grapheme clusters, which costs far more): each line is a
    /// slice of the text, spaces at its ends dropped.
    func wrap(_ text: String, font: Font, width maxWidth: Double) -> [String] {
        var lines: [String] = []
        let scalars = text.unicodeScalars
        let glyphs = canvas.glyphs(font)
        let space = glyphs(" ").advance
        // The line so far: a piece left over from a cut word, then the text from `start` to `end`.
        var piece = ""
        var start: String.Index?
        var end = scalars.startIndex
        var lineWidth = 0.0
        var gap = 0.0
        func flush() {
            lines.append(piece + (start.map { String(scalars[$0..<end]) } ?? ""))
            (piece, start, lineWidth, gap) = ("", nil, 0, 0)
        }
        var index = scalars.startIndex
        while index < scalars.endIndex {
            switch scalars[index] {
            case "\n":
                flush()
                index = scalars.index(after: index)
                continue
            case " ":
                if start != nil || !piece.isEmpty { gap += space }
                index = scalars.index(after: index)
                continue
            default:
                break
            }
            let wordStart = index
            var wordWidth = 0.0
            while index < scalars.endIndex, scalars[index] != " ", scalars[index] != "\n" {
                wordWidth += glyphs(scalars[index]).advance
                index = scalars.index(after: index)
            }
            let lineIsEmpty = start == nil && piece.isEmpty
            if !lineIsEmpty, lineWidth + gap + wordWidth <= maxWidth {
                if start == nil { start = end }  // after a cut word's last piece: the spaces, then this word
                end = index
                lineWidth += gap + wordWidth
            } else {
                if !lineIsEmpty { flush() }
                if wordWidth <= maxWidth {
                    (start, end, lineWidth) = (wordStart, index, wordWidth)
                } else {
                    var pieces = cut(String(scalars[wordStart..<index]), font: font, width: maxWidth)
                    piece = pieces.removeLast()
                    (start, end, lineWidth) = (nil, index, canvas.width(piece, font))
                    lines += pieces
                }
            }
            gap = 0
        }
        flush()
        return lines
    }

    private func cut(_ word: String, font: Font, width maxWidth: Double) -> [String] {
        var pieces: [String] = []
        var current = ""
        var currentWidth = 0.0
        for character in word {
            let characterWidth = canvas.width(String(character), font)
            if currentWidth + characterWidth > maxWidth, !current.isEmpty {
                pieces.append(current)
                (current, currentWidth) = ("", 0)
            }
            current.append(character)
            currentWidth += characterWidth
        }
        pieces.append(current)
        return pieces
    }

    /// Places wrapped lines at `x`, breaking pages between lines.
    func flow(_ lines: [String], x: Double, font: Font, color: Color = .text) {
        for line in lines {
            ensure(font.lineHeight)
            add(.text(line, x: x, baseline: y + font.ascent, font: font, color: color))
            y += font.lineHeight
        }
    }

    /// `text` truncated with an ellipsis to fit `maxWidth`.
    func fitted(_ text: String, font: Font, width maxWidth: Double) -> String {
        canvas.fitted(text, font: font, width: maxWidth)
    }

    // MARK: Blocks

    /// Lays out every block in order.
    func layout(_ blocks: [Document.Block]) throws {
        for (index, block) in blocks.enumerated() {
            if case .tableOfContents(let title, let depth) = block {
                // The headings after it, each with its number among all the document's headings.
                var number = blocks[..<index].count { if case .heading = $0 { true } else { false } }
                var entries: [(level: Int, text: String, heading: Int)] = []
                for case .heading(let level, let text) in blocks[(index + 1)...] {
                    if level <= depth { entries.append((level, text, number)) }
                    number += 1
                }
                layoutContents(title: title, entries: entries)
            } else if case .heading(let level, let text) = block, index + 1 < blocks.count {
                // A heading stays with the chart that follows it.
                let keep: Double = switch blocks[index + 1] {
                case .barChart: 250
                case .radarChart: 330
                default: 0
                }
                headings.append(layoutHeading(level: level, text: text, keep: keep))
            } else {
                try layout(block)
            }
        }
    }

    /// Places a heading; returns its page (0-based) and top.
    @discardableResult
    private func layoutHeading(level: Int, text: String, keep: Double = 0) -> (page: Int, y: Double) {
        let font = Font.heading(level)
        let lines = wrap(text, font: font, width: width)
        // Keep a heading with the start of what follows it.
        ensure(Double(lines.count) * font.lineHeight + 8 + max(Font.body.lineHeight * 3, keep))
        if y > top { y += font.size * 0.6 }
        let place = (pages.count - 1, y)
        add(.bookmark(text, level: level, y: y))
        flow(lines, x: left, font: font)
        y += 4
        return place
    }

    private func layoutContents(title: String, entries: [(level: Int, text: String, heading: Int)]) {
        layoutHeading(level: 1, text: title)
        let numberWidth = 36.0
        for entry in entries {
            let font = entry.level == 1 ? Font(size: Font.body.size, bold: true) : Font.body
            let indent = Double(entry.level - 1) * 14
            ensure(font.lineHeight)
            if entry.level == 1, y > top + 20 { y += 4 }
            let text = fitted(entry.text, font: font, width: width - indent - numberWidth - 12)
            add(.contentsEntry(text, x: left + indent, baseline: y + font.ascent, right: right, font: font, heading: entry.heading))
            y += font.lineHeight
        }
        y += 8
    }

    func layout(_ block: Document.Block) throws {
        switch block {
        case .heading(let level, let text):
            headings.append(layoutHeading(level: level, text: text))
        case .title(let text, let subtitle):
            let font = Font(size: 26, bold: true)
            flow(wrap(text, font: font, width: width), x: left, font: font)
            if let subtitle {
                y += 6
                flow(wrap(subtitle, font: Font(size: 14), width: width), x: left, font: Font(size: 14), color: .muted)
            }
            y += 18
        case .paragraph(let text):
            for paragraph in text.components(separatedBy: "\n\n") {
                flow(wrap(paragraph, font: .body, width: width), x: left, font: .body)
                y += Font.body.size * 0.6
            }
        case .keyValues(let pairs):
            layoutKeyValues(pairs)
        case .table(let table):
            layoutTable(table)
        case .image(let png, let requestedWidth):
            let image = try PNGImage(png: png)
            let drawWidth = min(requestedWidth ?? Double(image.width), width)
            let drawHeight = drawWidth * Double(image.height) / Double(max(image.width, 1))
            ensure(drawHeight)
            add(.image(index: addImage(image), x: left, y: y, width: drawWidth, height: drawHeight))
            y += drawHeight + 8
        case .barChart(let chart):
            layoutBarChart(chart)
        case .radarChart(let chart):
            layoutRadarChart(chart)
        case .spacer(let height):
            y = min(y + height, bottom)
        case .pageBreak:
            if y > top { newPage() }
        case .orientation(let orientation):
            if pages[pages.count - 1].isEmpty {
                orientations[orientations.count - 1] = orientation
                y = top
            } else {
                newPage(orientation)
            }
        case .tableOfContents(let title, _):
            // Laid out by `layout(_ blocks:)`, which knows the headings that follow.
            layoutContents(title: title, entries: [])
        }
    }

    private func layoutKeyValues(_ pairs: [KeyValue]) {
        let keyWidth = width * 0.34
        let bold = Font(size: Font.body.size, bold: true)
        for pair in pairs {
            let keyLines = wrap(pair.key, font: bold, width: keyWidth - 8)
            let valueLines = wrap(pair.value, font: .body, width: width - keyWidth)
            let count = max(keyLines.count, valueLines.count)
            for index in 0..<count {
                ensure(Font.body.lineHeight)
                let baseline = y + Font.body.ascent
                if index < keyLines.count { add(.text(keyLines[index], x: left, baseline: baseline, font: bold, color: .text)) }
                if index < valueLines.count { add(.text(valueLines[index], x: left + keyWidth, baseline: baseline, font: .body, color: .text)) }
                y += Font.body.lineHeight
            }
            y += 2
        }
        y += 6
    }

    private func layoutTable(_ table: Table) {
        let columnCount = max(table.columns.count, 1)
        let weights = (table.widths?.count == columnCount ? table.widths! : Array(repeating: 1.0, count: columnCount))
        let total = weights.reduce(0, +)
        let widths = weights.map { width * $0 / total }
        let xs = widths.indices.map { index in left + widths[..<index].reduce(0, +) }
        let padding = 3.0

        func cells(_ values: [String], font: Font) -> [[String]] {
            (0..<columnCount).map { column in
                wrap(column < values.count ? values[column] : "", font: font, width: widths[column] - 2 * padding)
            }
        }
        let fills: [[Color?]] = (table.fills ?? []).map { row in row.map { $0.flatMap(Color.init(hex:)) } }
        func fill(_ row: Int, _ column: Int) -> Color? {
            row < fills.count && column < fills[row].count ? fills[row][column] : nil
        }
        let header = cells(table.columns, font: .tableHeader)
        let headerHeight = Double(header.map(\.count).max() ?? 1) * Font.tableHeader.lineHeight + 2 * padding

        func drawHeader() {
            add(.fill(x: left, y: y, width: width, height: headerHeight, color: .headerFill, alpha: 1))
            for (column, lines) in header.enumerated() {
                for (index, line) in lines.enumerated() {
                    let baseline = y + padding + Double(index) * Font.tableHeader.lineHeight + Font.tableHeader.ascent
                    add(.text(line, x: xs[column] + padding, baseline: baseline, font: .tableHeader, color: .text))
                }
            }
            y += headerHeight
            add(.line(from: (left, y), to: (right, y), color: .rule, width: 0.8))
        }

        ensure(headerHeight + Font.table.lineHeight + 2 * padding)
        drawHeader()
        for (rowIndex, row) in table.rows.enumerated() {
            var remaining = cells(row, font: .table)
            let rowHeight = Double(remaining.map(\.count).max() ?? 1) * Font.table.lineHeight + 2 * padding
            if y + rowHeight > bottom, rowHeight <= bottom - top - headerHeight {
                newPage()
                drawHeader()
            }
            // A row taller than a page continues on the next ones, a slice of lines at a time.
            while true {
                let available = Int((bottom - y - 2 * padding) / Font.table.lineHeight)
                if available < 1 {
                    newPage()
                    drawHeader()
                    continue
                }
                let take = min(available, remaining.map(\.count).max() ?? 1)
                let sliceHeight = Double(take) * Font.table.lineHeight + 2 * padding
                if rowIndex % 2 == 1 {
                    add(.fill(x: left, y: y, width: width, height: sliceHeight, color: .zebra, alpha: 1))
                }
                for column in 0..<columnCount {
                    let background = fill(rowIndex, column)
                    if let background {
                        add(.fill(x: xs[column], y: y, width: widths[column], height: sliceHeight, color: background, alpha: 1))
                    }
                    for (index, line) in remaining[column].prefix(take).enumerated() {
                        let baseline = y + padding + Double(index) * Font.table.lineHeight + Font.table.ascent
                        add(.text(line, x: xs[column] + padding, baseline: baseline, font: .table,
                                  color: background?.isDark == true ? .white : .text))
                    }
                    remaining[column] = Array(remaining[column].dropFirst(take))
                }
                y += sliceHeight
                add(.line(from: (left, y), to: (right, y), color: .rule, width: 0.3))
                if remaining.allSatisfy(\.isEmpty) { break }
                newPage()
                drawHeader()
            }
        }
        y += 10
    }
}
