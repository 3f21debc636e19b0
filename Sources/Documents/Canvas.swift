import CCairo
import Foundation

/// A font choice of the layout engine (DejaVu Sans, resolved through fontconfig).
struct Font: Hashable {
    var size: Double
    var bold: Bool = false

    static let body = Font(size: 10)
    static let small = Font(size: 8)
    static let table = Font(size: 8.5)
    static let tableHeader = Font(size: 8.5, bold: true)
    static func heading(_ level: Int) -> Font {
        Font(size: [18.0, 14.0, 12.0][min(max(level, 1), 3) - 1], bold: true)
    }

    var lineHeight: Double { size * 1.4 }
    /// Distance from the top of a line box to the baseline.
    var ascent: Double { size * 1.05 }
}

/// An RGB colour with components in 0...1.
struct Color: Hashable {
    var red: Double, green: Double, blue: Double

    static let text = Color(red: 0.1, green: 0.1, blue: 0.12)
    static let muted = Color(red: 0.42, green: 0.42, blue: 0.45)
    static let rule = Color(red: 0.75, green: 0.76, blue: 0.78)
    static let headerFill = Color(red: 0.88, green: 0.91, blue: 0.95)
    static let zebra = Color(red: 0.96, green: 0.97, blue: 0.98)
    static let white = Color(red: 1, green: 1, blue: 1)

    /// `#RGB` or `#RRGGBB`; `nil` for anything else.
    init?(hex: String) {
        var digits = Substring(hex)
        guard digits.first == "#" else { return nil }
        digits = digits.dropFirst()
        if digits.count == 3 { digits = Substring(digits.flatMap { [$0, $0] }) }
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(red: Double((value >> 16) & 0xFF) / 255, green: Double((value >> 8) & 0xFF) / 255, blue: Double(value & 0xFF) / 255)
    }

    init(red: Double, green: Double, blue: Double) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    /// Halfway to white: the paler twin of a series colour.
    var lighter: Color { Color(red: (red + 1) / 2, green: (green + 1) / 2, blue: (blue + 1) / 2) }

    /// Whether dark text is hard to read on this colour (relative luminance below 0.4).
    var isDark: Bool { 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.4 }

    static let palette = [
        Color(red: 0.16, green: 0.38, blue: 0.67), Color(red: 0.89, green: 0.47, blue: 0.13),
        Color(red: 0.24, green: 0.6, blue: 0.34), Color(red: 0.75, green: 0.22, blue: 0.25),
        Color(red: 0.5, green: 0.37, blue: 0.68), Color(red: 0.4, green: 0.4, blue: 0.4),
    ]
}

/// The Cairo PDF surface and context, with text measurement cached per font and string.
///
/// The surface and context are released by ``finish()`` or, when drawing stops early because
/// something threw, by `deinit`: nothing leaks on an error path.
final class Canvas {
    static let pageWidth = 595.28
    static let pageHeight = 841.89

    let surface: OpaquePointer
    let context: OpaquePointer
    private var currentFont: Font?
    /// The colour Cairo paints with now: set again only when it changes.
    private var currentSource: (color: Color, alpha: Double)?
    private var glyphTables: [Font: GlyphTable] = [:]
    private var lastTable: (font: Font, table: GlyphTable)?

    struct Glyph {
        var index: UInt
        var advance: Double
    }

    /// The glyphs of one font met so far: ASCII in an array, the rest by code point.
    final class GlyphTable {
        var ascii = [Glyph?](repeating: nil, count: 128)
        var others: [UInt32: Glyph] = [:]
    }

    /// The glyphs of one font, for loops over many characters: the font's table is looked up
    /// once, and ASCII characters met before cost one array read.
    struct Glyphs {
        fileprivate let table: GlyphTable
        fileprivate unowned let canvas: Canvas
        let font: Font

        func callAsFunction(_ scalar: Unicode.Scalar) -> Glyph {
            if scalar.value < 128, let glyph = table.ascii[Int(scalar.value)] { return glyph }
            return canvas.glyph(scalar, font)
        }
    }

    func glyphs(_ font: Font) -> Glyphs {
        Glyphs(table: glyphTable(font), canvas: self, font: font)
    }
    private var isFinished = false
    /// Where Cairo writes; held here so it outlives the surface, which writes on destruction too.
    private let output: PDFOutput

    init(output: PDFOutput) throws {
        self.output = output
        let closure = Unmanaged.passUnretained(output).toOpaque()
        surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
            let output = Unmanaged<PDFOutput>.fromOpaque(closure!).takeUnretainedValue()
            output.data.append(data!, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }, closure, Self.pageWidth, Self.pageHeight)
        context = cairo_create(surface)
        guard cairo_status(context) == CAIRO_STATUS_SUCCESS else {
            throw DocumentError.rendering(String(cString: cairo_status_to_string(cairo_status(context))))
        }
    }

    deinit {
        if !isFinished {
            cairo_destroy(context)
            cairo_surface_destroy(surface)
        }
    }

    func finish() throws {
        isFinished = true
        cairo_destroy(context)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DocumentError.rendering(String(cString: cairo_status_to_string(status)))
        }
    }

    func use(_ font: Font) {
        guard font != currentFont else { return }
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, font.size)
        currentFont = font
    }

    /// The glyph of `scalar` in `font` and its advance, looked up in Cairo once per character:
    /// text is measured and drawn from these, rather than asking Cairo to convert and measure
    /// every string (the toy text API maps one character to one glyph, without kerning, so the
    /// result is the same).
    fileprivate func glyph(_ scalar: Unicode.Scalar, _ font: Font) -> Glyph {
        let table = glyphTable(font)
        if scalar.value < 128, let glyph = table.ascii[Int(scalar.value)] { return glyph }
        if scalar.value >= 128, let glyph = table.others[scalar.value] { return glyph }
        use(font)
        let scaled = cairo_get_scaled_font(context)
        var glyphs: UnsafeMutablePointer<cairo_glyph_t>?
        var count: Int32 = 0
        let utf8 = String(Character(scalar))
        var glyph = Glyph(index: 0, advance: 0)
        if cairo_scaled_font_text_to_glyphs(scaled, 0, 0, utf8, Int32(utf8.utf8.count), &glyphs, &count, nil, nil, nil) == CAIRO_STATUS_SUCCESS,
           let glyphs, count > 0 {
            var extents = cairo_text_extents_t()
            cairo_scaled_font_glyph_extents(scaled, glyphs, count, &extents)
            glyph = Glyph(index: glyphs[0].index, advance: extents.x_advance)
        }
        cairo_glyph_free(glyphs)
        if scalar.value < 128 { table.ascii[Int(scalar.value)] = glyph } else { table.others[scalar.value] = glyph }
        return glyph
    }

    private func glyphTable(_ font: Font) -> GlyphTable {
        if let last = lastTable, last.font == font { return last.table }
        let table = glyphTables[font] ?? GlyphTable()
        glyphTables[font] = table
        lastTable = (font, table)
        return table
    }

    /// The advance width of `text` in `font`.
    func width(_ text: String, _ font: Font) -> Double {
        let glyphs = glyphs(font)
        var total = 0.0
        for scalar in text.unicodeScalars { total += glyphs(scalar).advance }
        return total
    }

    /// `text` truncated with an ellipsis to fit `maxWidth`.
    func fitted(_ text: String, font: Font, width maxWidth: Double) -> String {
        if width(text, font) <= maxWidth { return text }
        var result = text
        while !result.isEmpty, width(result + "…", font) > maxWidth { result.removeLast() }
        return result + "…"
    }

    func setColor(_ color: Color, alpha: Double = 1) {
        guard currentSource?.color != color || currentSource?.alpha != alpha else { return }
        cairo_set_source_rgba(context, color.red, color.green, color.blue, alpha)
        currentSource = (color, alpha)
    }

    /// A piece of text placed on the page.
    struct Run {
        var text: String
        var x: Double
        var baseline: Double
    }

    func text(_ string: String, x: Double, baseline: Double, font: Font, color: Color = .text) {
        text([Run(text: string, x: x, baseline: baseline)], font: font, color: color)
    }

    /// Draws `runs` in one font and colour with one Cairo call: glyphs carry their own
    /// positions, and the text with its clusters goes along so that the PDF keeps what the glyphs
    /// say (extraction, search).
    func text(_ runs: [Run], font: Font, color: Color) {
        var glyphList: [cairo_glyph_t] = []
        var clusters: [cairo_text_cluster_t] = []
        var utf8: [UInt8] = []
        let capacity = runs.reduce(0) { $0 + $1.text.utf8.count }
        glyphList.reserveCapacity(capacity)
        clusters.reserveCapacity(capacity)
        utf8.reserveCapacity(capacity)
        let glyphs = glyphs(font)
        for run in runs {
            var pen = run.x
            for scalar in run.text.unicodeScalars {
                let glyph = glyphs(scalar)
                glyphList.append(cairo_glyph_t(index: glyph.index, x: pen, y: run.baseline))
                clusters.append(cairo_text_cluster_t(num_bytes: Int32(UTF8.width(scalar)), num_glyphs: 1))
                pen += glyph.advance
            }
            utf8.append(contentsOf: run.text.utf8)
        }
        guard !glyphList.isEmpty else { return }
        use(font)
        setColor(color)
        utf8.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                cairo_show_text_glyphs(context, text.baseAddress, Int32(text.count), glyphList, Int32(glyphList.count), clusters,
                                       Int32(clusters.count), cairo_text_cluster_flags_t(0))
            }
        }
    }

    func fill(x: Double, y: Double, width: Double, height: Double, color: Color, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    func line(from: (Double, Double), to: (Double, Double), color: Color, width: Double = 0.5) {
        setColor(color)
        cairo_set_line_width(context, width)
        cairo_move_to(context, from.0, from.1)
        cairo_line_to(context, to.0, to.1)
        cairo_stroke(context)
    }

    func polygon(_ points: [(Double, Double)], fill: Color?, fillAlpha: Double = 0.25, stroke: Color?, width: Double = 1) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.0, first.1)
        for point in points.dropFirst() { cairo_line_to(context, point.0, point.1) }
        cairo_close_path(context)
        if let fill {
            setColor(fill, alpha: fillAlpha)
            if stroke != nil { cairo_fill_preserve(context) } else { cairo_fill(context) }
        }
        if let stroke {
            setColor(stroke)
            cairo_set_line_width(context, width)
            cairo_stroke(context)
        }
    }

    /// A line through `points` (closed back to the first when `closed`), dashed when `dash`
    /// (the length of dashes and gaps) is given.
    func stroke(_ points: [(Double, Double)], closed: Bool, color: Color, width: Double, dash: Double?) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.0, first.1)
        for point in points.dropFirst() { cairo_line_to(context, point.0, point.1) }
        if closed { cairo_close_path(context) }
        setColor(color)
        cairo_set_line_width(context, width)
        if let dash {
            var pattern = [dash, dash * 0.6]
            cairo_set_dash(context, &pattern, 2, 0)
        }
        cairo_stroke(context)
        if dash != nil { cairo_set_dash(context, nil, 0, 0) }
    }

    func image(_ image: PNGImage, x: Double, y: Double, width: Double, height: Double) {
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, image.surface, 0, 0)
        cairo_paint(context)
        cairo_restore(context)
        currentSource = nil
    }

    func showPage() { cairo_show_page(context) }

    /// The size of the page about to be drawn; set before anything is drawn on it.
    func setPageSize(width: Double, height: Double) {
        cairo_pdf_surface_set_size(surface, width, height)
    }

    /// Makes what `draw` paints a link to `y` on page `page` (1-based).
    func link(toPage page: Int, y: Double, _ draw: () -> Void) {
        cairo_tag_begin(context, "Link", "page=\(page) pos=[0 \(y)]")
        draw()
        cairo_tag_end(context, "Link")
    }

    /// Adds a bookmark pointing at `y` on page `page` (1-based); returns its id for children.
    func outline(_ title: String, parent: Int32, page: Int, y: Double) -> Int32 {
        cairo_pdf_surface_add_outline(surface, parent, title, "page=\(page) pos=[0 \(y)]", cairo_pdf_outline_flags_t(0))
    }

    func metadata(_ key: cairo_pdf_metadata_t, _ value: String) {
        cairo_pdf_surface_set_metadata(surface, key, value)
    }
}

/// Collects the bytes Cairo writes.
final class PDFOutput {
    var data = Data()
}

/// A decoded PNG, as a Cairo image surface.
final class PNGImage {
    let surface: OpaquePointer
    let width: Int
    let height: Int

    /// Decodes `png`, once its header declares at most ``PNGHeader/maximumSide`` pixels a side.
    init(png: Data) throws {
        let header = try PNGHeader(png)
        guard header.width <= PNGHeader.maximumSide, header.height <= PNGHeader.maximumSide else {
            throw DocumentError.imageTooLarge(width: header.width, height: header.height)
        }
        final class Reader {
            let bytes: [UInt8]
            var offset = 0
            init(_ data: Data) { bytes = [UInt8](data) }
        }
        let reader = Reader(png)
        let surface: OpaquePointer = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream({ closure, buffer, length in
                let reader = Unmanaged<Reader>.fromOpaque(closure!).takeUnretainedValue()
                let count = Int(length)
                guard reader.offset + count <= reader.bytes.count, let buffer else { return CAIRO_STATUS_READ_ERROR }
                reader.bytes.withUnsafeBufferPointer { source in
                    buffer.update(from: source.baseAddress! + reader.offset, count: count)
                }
                reader.offset += count
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(reader).toOpaque())
        }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw DocumentError.invalidImage
        }
        self.surface = surface
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
    }

    deinit { cairo_surface_destroy(surface) }
}

/// Why a document could not be rendered.
public enum DocumentError: Error, Equatable, Sendable {
    /// An image block or the logo is not a valid PNG.
    case invalidImage
    /// An image declares more than ``PNGHeader/maximumSide`` pixels a side; it is not decoded.
    case imageTooLarge(width: Int, height: Int)
    /// Cairo reported an error.
    case rendering(String)
}
