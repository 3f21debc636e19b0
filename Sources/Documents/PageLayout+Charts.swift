import Foundation

extension PageLayout {
    private static let titleFont = Font(size: 11, bold: true)

    private func legend(_ series: [ChartSeries], at top: Double) {
        var x = left
        for (index, item) in series.enumerated() {
            let color = Color.palette[index % Color.palette.count]
            add(.fill(x: x, y: top + 2, width: 8, height: 8, color: color, alpha: 1))
            let label = fitted(item.name, font: .small, width: 150)
            add(.text(label, x: x + 11, baseline: top + 9, font: .small, color: .text))
            x += 11 + canvas.width(label, .small) + 14
        }
    }

    private static func niceMaximum(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where value <= step * magnitude { return step * magnitude }
        return 10 * magnitude
    }

    private static func label(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    func layoutBarChart(_ chart: BarChart) {
        let height = 230.0
        ensure(height)
        let origin = y
        add(.text(chart.title, x: left, baseline: origin + Self.titleFont.ascent, font: Self.titleFont, color: .text))
        let plotTop = origin + 24
        let plotBottom = origin + 176
        let plotLeft = left + 34
        let plotRight = right - 4
        let largest = chart.series.flatMap(\.values).max() ?? 0
        let maximum = chart.maximum ?? Self.niceMaximum(largest)

        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let lineY = plotBottom - (plotBottom - plotTop) * Double(step) / 4
            add(.line(from: (plotLeft, lineY), to: (plotRight, lineY), color: .rule, width: step == 0 ? 0.8 : 0.3))
            let text = Self.label(value)
            add(.text(text, x: plotLeft - 4 - canvas.width(text, .small), baseline: lineY + 3, font: .small, color: .muted))
        }
        let groups = max(chart.categories.count, 1)
        let groupWidth = (plotRight - plotLeft) / Double(groups)
        let barWidth = groupWidth * 0.8 / Double(max(chart.series.count, 1))
        for (category, name) in chart.categories.enumerated() {
            let groupLeft = plotLeft + Double(category) * groupWidth + groupWidth * 0.1
            for (index, series) in chart.series.enumerated() where category < series.values.count {
                let value = min(max(series.values[category], 0), maximum)
                let barHeight = (plotBottom - plotTop) * value / maximum
                add(.fill(x: groupLeft + Double(index) * barWidth, y: plotBottom - barHeight, width: barWidth * 0.92,
                          height: barHeight, color: Color.palette[index % Color.palette.count], alpha: 1))
            }
            let label = fitted(name, font: .small, width: groupWidth - 2)
            let labelX = plotLeft + Double(category) * groupWidth + (groupWidth - canvas.width(label, .small)) / 2
            add(.text(label, x: labelX, baseline: plotBottom + 11, font: .small, color: .text))
        }
        legend(chart.series, at: plotBottom + 20)
        y = origin + height
    }

    func layoutRadarChart(_ chart: RadarChart) {
        let height = 300.0
        ensure(height)
        let origin = y
        add(.text(chart.title, x: left, baseline: origin + Self.titleFont.ascent, font: Self.titleFont, color: .text))
        let center = (left + width / 2, origin + 145)
        let radius = 100.0
        let count = max(chart.axes.count, 3)
        let maximum = chart.maximum ?? Self.niceMaximum(chart.series.flatMap(\.values).max() ?? 0)
        func point(_ axis: Int, _ fraction: Double) -> (Double, Double) {
            let angle = -Double.pi / 2 + 2 * Double.pi * Double(axis) / Double(count)
            return (center.0 + cos(angle) * radius * fraction, center.1 + sin(angle) * radius * fraction)
        }
        for ring in 1...4 {
            add(.polygon((0..<count).map { point($0, Double(ring) / 4) }, fill: nil, stroke: .rule))
        }
        for (axis, name) in chart.axes.enumerated() {
            add(.line(from: center, to: point(axis, 1), color: .rule, width: 0.4))
            let label = fitted(name, font: .small, width: 120)
            let anchor = point(axis, 1.12)
            let labelWidth = canvas.width(label, .small)
            let x = anchor.0 < center.0 - 1 ? anchor.0 - labelWidth : (anchor.0 > center.0 + 1 ? anchor.0 : anchor.0 - labelWidth / 2)
            add(.text(label, x: x, baseline: anchor.1 + 3, font: .small, color: .text))
        }
        for (index, series) in chart.series.enumerated() {
            let color = Color.palette[index % Color.palette.count]
            let points = (0..<count).map { axis in
                point(axis, axis < series.values.count ? min(max(series.values[axis], 0), maximum) / maximum : 0)
            }
            add(.polygon(points, fill: color, stroke: color))
        }
        legend(chart.series, at: origin + 270)
        y = origin + height
    }
}
