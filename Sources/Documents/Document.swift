import Foundation

/// A document to render as PDF, described as data: the Domain builds it, the worker renders it.
public struct Document: Codable, Sendable, Equatable {
    /// Title, shown in the running header and stored as PDF metadata.
    public var title: String
    /// Author (PDF metadata).
    public var author: String
    /// Subject (PDF metadata).
    public var subject: String?
    /// Creation date (PDF metadata).
    public var createdAt: Date
    /// Running header text, on the left of every page; defaults to the title.
    public var header: String?
    /// Footer label with `{page}` and `{pages}` placeholders, e.g. `Page {page} of {pages}`.
    public var pageLabel: String
    /// An optional PNG drawn at the top right of every page header (a logo), about 24 pt high.
    public var logoPNG: Data?
    /// A marking drawn as a badge at the bottom left of every page, e.g. a TLP label.
    public var footerBadge: Badge?
    public var blocks: [Block]

    // `logoPng` rather than `logoPNG`: job payloads are written with snake_case keys, and
    // `logo_png` reads back as `logoPng`, which would otherwise lose the logo on the way.
    enum CodingKeys: String, CodingKey {
        case title, author, subject, createdAt, header, pageLabel, logoPNG = "logoPng", footerBadge, blocks
    }

    public init(
        title: String, author: String, subject: String? = nil, createdAt: Date = Date(), header: String? = nil,
        pageLabel: String = "Page {page} of {pages}", logoPNG: Data? = nil, footerBadge: Badge? = nil, blocks: [Block]
    ) {
        self.title = title
        self.author = author
        self.subject = subject
        self.createdAt = createdAt
        self.header = header
        self.pageLabel = pageLabel
        self.logoPNG = logoPNG
        self.footerBadge = footerBadge
        self.blocks = blocks
    }

    /// One element of the flow.
    public enum Block: Codable, Sendable, Equatable {
        /// A heading of level 1 to 3; also a bookmark in the PDF outline.
        case heading(level: Int, text: String)
        /// A cover title in large type, with an optional subtitle under it; no bookmark.
        case title(text: String, subtitle: String?)
        /// Text wrapped to the page width; blank lines (`\n\n`) separate paragraphs.
        case paragraph(text: String)
        /// Label / value pairs, labels in bold on the left.
        case keyValues(pairs: [KeyValue])
        /// A table whose rows continue on the next pages under a repeated header.
        case table(Table)
        /// A PNG picture, scaled to `width` points (default: its size, at most the page width).
        case image(png: Data, width: Double?)
        case barChart(BarChart)
        case radarChart(RadarChart)
        /// Vertical space in points.
        case spacer(height: Double)
        case pageBreak
        /// Starts a new page in `orientation`; the pages after it keep it until the next one.
        case orientation(PageOrientation)
        /// A table of contents: the headings that follow it, down to level `depth`, each with
        /// the page it lands on (a link to it) and a dotted leader. The headings must not
        /// need more than one line each: longer ones are shortened with an ellipsis.
        case tableOfContents(title: String, depth: Int)
    }
}

/// Portrait or landscape A4.
public enum PageOrientation: String, Codable, Sendable, Equatable {
    case portrait, landscape
}

/// A short marking in a coloured box, such as `TLP:AMBER`; colours as `#RGB` or `#RRGGBB`.
public struct Badge: Codable, Sendable, Equatable {
    public var text: String
    public var foreground: String
    public var background: String

    public init(text: String, foreground: String, background: String) {
        self.text = text
        self.foreground = foreground
        self.background = background
    }

    /// The Traffic Light Protocol's AMBER marking, in its official colours.
    public static let tlpAmber = Badge(text: "TLP:AMBER", foreground: "#FFC000", background: "#000000")
}

/// A label and its value.
public struct KeyValue: Codable, Sendable, Equatable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A table: header cells, rows of cells, relative column widths and cell colours.
public struct Table: Codable, Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]
    /// Relative widths, one per column (default: equal).
    public var widths: [Double]?
    /// Background colours (`#RGB` or `#RRGGBB`) per row and column, `nil` for none; the text
    /// of a dark cell is drawn in white. Invalid colours are ignored.
    public var fills: [[String?]]?

    public init(columns: [String], rows: [[String]], widths: [Double]? = nil, fills: [[String?]]? = nil) {
        self.columns = columns
        self.rows = rows
        self.widths = widths
        self.fills = fills
    }
}

/// A named list of values, one per category or axis.
public struct ChartSeries: Codable, Sendable, Equatable {
    /// What a series stands for, which decides how it is drawn.
    public enum Role: String, Codable, Sendable, Equatable {
        /// Measured values: bars, or a filled radar polygon.
        case value
        /// A reference to compare with (a sector average): diamond markers on a bar chart,
        /// a dashed grey outline with triangle markers on a radar chart.
        case average
    }

    public var name: String
    public var values: [Double]
    /// Default: ``Role/value``.
    public var role: Role?
    /// `#RRGGBB`; default: the next colour of the palette.
    public var color: String?
    /// Bars and markers with the same group line up: an average's markers sit on the bars of
    /// the value series of its group (say, the same year).
    public var group: String?

    public init(name: String, values: [Double], role: Role? = nil, color: String? = nil, group: String? = nil) {
        self.name = name
        self.values = values
        self.role = role
        self.color = color
        self.group = group
    }

    var isAverage: Bool { role == .average }
}

/// Vertical bars grouped by category, one colour per series; average series drawn as markers.
public struct BarChart: Codable, Sendable, Equatable {
    public var title: String
    public var categories: [String]
    public var series: [ChartSeries]
    /// The top of the value axis (default: a round value above the largest).
    public var maximum: Double?
    /// Values are fractions shown as percentages (0.25 is 25 %).
    public var percent: Bool?
    /// Category labels are wrapped at this many characters (default 20), on up to three lines.
    public var labelWrap: Int?

    public init(title: String, categories: [String], series: [ChartSeries], maximum: Double? = nil, percent: Bool? = nil, labelWrap: Int? = nil) {
        self.title = title
        self.categories = categories
        self.series = series
        self.maximum = maximum
        self.percent = percent
        self.labelWrap = labelWrap
    }
}

/// A radar (spider) chart: one axis per label, one polygon per series, clockwise from the top.
public struct RadarChart: Codable, Sendable, Equatable {
    public var title: String
    public var axes: [String]
    public var series: [ChartSeries]
    /// The value at the rim (default: the largest value); a whole number up to 10 draws one
    /// ring per unit.
    public var maximum: Double?

    public init(title: String, axes: [String], series: [ChartSeries], maximum: Double? = nil) {
        self.title = title
        self.axes = axes
        self.series = series
        self.maximum = maximum
    }
}
