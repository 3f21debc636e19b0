import Foundation

/// Charts as vector drawings: grouped bars with average markers, and radars.
extension PageLayout {
    private static let titleFont = Font(size: 11, bold: true)
    private static let valueFont = Font(size: 6.5)
    /// The grey of average outlines on radars, and the colour of their markers.
    private static let averageLine = Color(hex: "#666666")!
    private static let averageMarker = Color(hex: "#222A2A")!

    enum Marker {
        case square, diamond, triangle
    }

    /// The filled outline of a marker centred on `center`.
    static func marker(_ shape: Marker, at center: (Double, Double), size: Double) -> [(Double, Double)] {
        let half = size / 2
        switch shape {
        case .square:
            return [(center.0 - half, center.1 - half), (center.0 + half, center.1 - half), (center.0 + half, center.1 + half),
                    (center.0 - half, center.1 + half)]
        case .diamond:
            return [(center.0, center.1 - half), (center.0 + half, center.1), (center.0, center.1 + half), (center.0 - half, center.1)]
        case .triangle:
            return [(center.0, center.1 - half), (center.0 + half, center.1 + half * 0.8), (center.0 - half, center.1 + half * 0.8)]
        }
    }

    /// The colour of each series: its own, or the next of the default palette.
    private static func colors(_ series: [ChartSeries]) -> [Color] {
        var next = 0
        return series.map { item in
            if let hex = item.color, let color = Color(hex: hex) { return color }
            defer { next += 1 }
            return Color.palette[next % Color.palette.count]
        }
    }

    /// A legend under a chart, wrapped onto as many lines as it needs; returns its height.
    private func legend(_ entries: [(name: String, color: Color, marker: Marker)], at top: Double, measureOnly: Bool = false) -> Double {
        var x = left
        var line = 0
        for entry in entries {
            let label = fitted(entry.name, font: .small, width: 180)
            let entryWidth = 11 + canvas.width(label, .small) + 14
            if x > left, x + entryWidth > right {
                line += 1
                x = left
            }
            if !measureOnly {
                let baseline = top + Double(line) * 12 + 9
                add(.solid(Self.marker(entry.marker, at: (x + 4, baseline - 3), size: entry.marker == .square ? 8 : 9), color: entry.color))
                add(.text(label, x: x + 11, baseline: baseline, font: .small, color: .text))
            }
            x += entryWidth
        }
        return entries.isEmpty ? 0 : Double(line + 1) * 12
    }

    private static func niceMaximum(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where value <= step * magnitude { return step * magnitude }
        return 10 * magnitude
    }

    private static func label(_ value: Double, percent: Bool) -> String {
        if percent {
            let scaled = value * 100
            return (scaled == scaled.rounded() ? String(Int(scaled.rounded())) : String(format: "%.1f", scaled)) + "%"
        }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// `text` cut into lines of at most `characters` characters at spaces (a longer word has a
    /// line of its own), at most three lines, the last one shortened with an ellipsis.
    static func wrapCharacters(_ text: String, _ characters: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= characters {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > 3 {
            lines = Array(lines.prefix(3))
            lines[2] += "…"
        }
        return lines
    }

    func layoutBarChart(_ chart: BarChart) {
        let percent = chart.percent ?? false
        let colors = Self.colors(chart.series)
        let bars = chart.series.indices.filter { !chart.series[$0].isAverage }
        let markers = chart.series.indices.filter { chart.series[$0].isAverage }
        // Wrapped at `labelWrap` characters, and narrower when the categories are many.
        let groupWidth = (right - 4 - left - 34) / Double(max(chart.categories.count, 1))
        let labels = chart.categories.map { category in
            Self.wrapCharacters(category, chart.labelWrap ?? 20).flatMap { wrap($0, font: .small, width: groupWidth - 2) }.prefix(3).map { $0 }
        }
        let labelLines = Double(labels.map(\.count).max() ?? 1)
        let legendEntries = bars.map { (chart.series[$0].name, colors[$0], Marker.square) }
            + markers.map { (chart.series[$0].name, colors[$0].lighter, Marker.diamond) }
        let legendHeight = legend(legendEntries, at: 0, measureOnly: true)
        let plotHeight = 150.0
        let height = 24 + plotHeight + 6 + labelLines * 9 + 8 + legendHeight + 10
        ensure(height)
        let origin = y
        add(.text(chart.title, x: left, baseline: origin + Self.titleFont.ascent, font: Self.titleFont, color: .text))
        let plotTop = origin + 24
        let plotBottom = plotTop + plotHeight
        let plotLeft = left + 34
        let plotRight = right - 4
        let largest = chart.series.flatMap(\.values).max() ?? 0
        let maximum = chart.maximum ?? (percent ? min(Self.niceMaximum(largest * 1.1), 1) : Self.niceMaximum(largest * 1.1))

        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let lineY = plotBottom - (plotBottom - plotTop) * Double(step) / 4
            add(.line(from: (plotLeft, lineY), to: (plotRight, lineY), color: .rule, width: step == 0 ? 0.8 : 0.3))
            let text = Self.label(value, percent: percent)
            add(.text(text, x: plotLeft - 4 - canvas.width(text, .small), baseline: lineY + 3, font: .small, color: .muted))
        }
        let slots = max(bars.count, markers.isEmpty ? 1 : 0, 1)
        let barWidth = groupWidth * 0.8 / Double(slots)
        func scaled(_ value: Double) -> Double { (plotBottom - plotTop) * min(max(value, 0), maximum) / maximum }
        for category in chart.categories.indices {
            let groupLeft = plotLeft + Double(category) * groupWidth + groupWidth * 0.1
            var centres: [String: Double] = [:]
            for (slot, index) in bars.enumerated() {
                let series = chart.series[index]
                let x = groupLeft + Double(slot) * barWidth
                if let group = series.group { centres[group] = x + barWidth * 0.46 }
                guard category < series.values.count else { continue }
                let value = series.values[category]
                let barHeight = scaled(value)
                add(.fill(x: x, y: plotBottom - barHeight, width: barWidth * 0.92, height: barHeight, color: colors[index], alpha: 1))
                let text = Self.label(value, percent: percent)
                let textWidth = canvas.width(text, Self.valueFont)
                if textWidth <= barWidth {
                    add(.text(text, x: x + (barWidth * 0.92 - textWidth) / 2, baseline: plotBottom - barHeight - 2, font: Self.valueFont, color: .muted))
                }
            }
            for index in markers {
                let series = chart.series[index]
                guard category < series.values.count else { continue }
                let x = series.group.flatMap { centres[$0] } ?? (plotLeft + (Double(category) + 0.5) * groupWidth)
                let markerY = plotBottom - scaled(series.values[category])
                add(.solid(Self.marker(.diamond, at: (x, markerY), size: 10), color: colors[index].lighter))
                add(.stroke(Self.marker(.diamond, at: (x, markerY), size: 10), closed: true, color: colors[index], width: 0.6, dash: nil))
            }
            for (line, text) in labels[category].enumerated() {
                let label = fitted(text, font: .small, width: groupWidth - 2)
                let labelX = plotLeft + Double(category) * groupWidth + (groupWidth - canvas.width(label, .small)) / 2
                add(.text(label, x: labelX, baseline: plotBottom + 11 + Double(line) * 9, font: .small, color: .text))
            }
        }
        _ = legend(legendEntries, at: plotBottom + 6 + labelLines * 9 + 8)
        y = origin + height
    }

    func layoutRadarChart(_ chart: RadarChart) {
        let colors = Self.colors(chart.series)
        let legendEntries = chart.series.indices.map { index in
            chart.series[index].isAverage ? (chart.series[index].name, Self.averageMarker, Marker.triangle)
                : (chart.series[index].name, colors[index], Marker.square)
        }
        let legendHeight = legend(legendEntries, at: 0, measureOnly: true)
        let radius = 105.0
        let height = 24 + 2 * radius + 56 + legendHeight + 10
        ensure(height)
        let origin = y
        add(.text(chart.title, x: left, baseline: origin + Self.titleFont.ascent, font: Self.titleFont, color: .text))
        let center = (left + width / 2, origin + 24 + 24 + radius)
        let count = max(chart.axes.count, 3)
        let maximum = chart.maximum ?? Self.niceMaximum(chart.series.flatMap(\.values).max() ?? 0)
        func point(_ axis: Int, _ fraction: Double) -> (Double, Double) {
            let angle = -Double.pi / 2 + 2 * Double.pi * Double(axis) / Double(count)
            return (center.0 + cos(angle) * radius * fraction, center.1 + sin(angle) * radius * fraction)
        }
        // One ring per unit when the rim is a small whole number (maturity levels), else four.
        let rings = maximum == maximum.rounded() && (1...10).contains(maximum) ? Int(maximum) : 4
        for ring in 1...rings {
            let fraction = Double(ring) / Double(rings)
            add(.stroke((0..<count).map { point($0, fraction) }, closed: true, color: .rule, width: 0.4, dash: nil))
            let text = Self.label(maximum * fraction, percent: false)
            add(.text(text, x: center.0 + 2, baseline: center.1 - radius * fraction + 8, font: Self.valueFont, color: .muted))
        }
        for (axis, name) in chart.axes.enumerated() {
            add(.line(from: center, to: point(axis, 1), color: .rule, width: 0.4))
            let label = fitted(name, font: .small, width: 130)
            let anchor = point(axis, 1.1)
            let labelWidth = canvas.width(label, .small)
            let x = anchor.0 < center.0 - 1 ? anchor.0 - labelWidth : (anchor.0 > center.0 + 1 ? anchor.0 : anchor.0 - labelWidth / 2)
            let baseline = anchor.1 < center.1 - radius * 0.9 ? anchor.1 - 2 : anchor.1 + 3
            add(.text(label, x: x, baseline: baseline, font: .small, color: .text))
        }
        // Every series is drawn, whatever its first value (the reference left out a series
        // starting at 0); a missing value sits at the centre.
        for (index, series) in chart.series.enumerated() {
            let points = (0..<count).map { axis in
                point(axis, axis < series.values.count ? min(max(series.values[axis], 0), maximum) / maximum : 0)
            }
            if series.isAverage {
                add(.stroke(points, closed: true, color: Self.averageLine, width: 1.2, dash: 4))
                for point in points { add(.solid(Self.marker(.triangle, at: point, size: 6), color: Self.averageMarker)) }
            } else {
                add(.polygon(points, fill: colors[index], stroke: colors[index]))
                for point in points { add(.solid(Self.marker(.square, at: point, size: 3.5), color: colors[index])) }
            }
        }
        _ = legend(legendEntries, at: origin + 24 + 2 * radius + 56)
        y = origin + height
    }
}
