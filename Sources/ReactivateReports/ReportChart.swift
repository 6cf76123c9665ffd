import Foundation

/// Inline SVG charts: drawn as markup so the HTML file needs no chart library and no network.
///
/// Built from ``HTML`` templates, so titles, labels and step names are escaped wherever they appear.
/// Coordinates live in a fixed viewBox that CSS scales to the screen width, so one drawing
/// serves a phone and a desktop; text is sized for the phone.
enum ReportChart {
    /// One line of a line chart.
    struct Series {
        var name: String
        /// CSS class that sets the stroke (colour and dash, so the arms differ without colour too).
        var cssClass: String
        var points: [(x: Double, y: Double)]
    }

    static let width = 400.0
    static let lineHeight = 250.0

    /// A line chart with labelled axes, tick marks and a legend.
    /// - Parameters:
    ///   - xMax: the x axis reaches at least this far (the window length), even before the data does.
    ///   - formatTick: formats a y tick given the tick step, so labels show just enough decimals.
    static func line(
        title: String, xLabel: String, xMax: Double, yLabel: String, series: [Series],
        formatTick: (Double, Double) -> String
    ) -> HTML {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else {
            return "<p class=\"empty\">No daily data yet.</p>"
        }
        let left = 58.0, right = 14.0, top = 30.0, bottom = 44.0
        let plotWidth = width - left - right, plotHeight = lineHeight - top - bottom
        let xs = all.map(\.x), ys = all.map(\.y)
        let xTicks = ticks(from: min(xs.min() ?? 1, 1), to: max(xs.max() ?? 1, xMax), count: 6, integers: true)
        let yTicks = ticks(from: min(ys.min() ?? 0, 0), to: ys.max() ?? 1, count: 5, integers: false)
        let xLow = xTicks.first ?? 0, xHigh = xTicks.last ?? 1
        let yLow = yTicks.first ?? 0, yHigh = yTicks.last ?? 1
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        func px(_ x: Double) -> Double { left + (x - xLow) / max(xHigh - xLow, 1e-12) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - yLow) / max(yHigh - yLow, 1e-12) * plotHeight }

        var svg: HTML = "<svg class=\"chart\" viewBox=\"0 0 \(n(width)) \(n(lineHeight))\" role=\"img\" aria-label=\"\(title)\">"
        svg += "<title>\(title)</title>"
        // Grid and y axis labels.
        for tick in yTicks {
            let y = n(py(tick))
            svg += "<line class=\"grid\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick\" x=\"\(n(left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(formatTick(tick, yStep))</text>"
        }
        // X axis with day ticks.
        let axisY = n(top + plotHeight)
        svg += "<line class=\"axis\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(axisY)\" y2=\"\(axisY)\"/>"
        svg += "<line class=\"axis\" x1=\"\(n(left))\" x2=\"\(n(left))\" y1=\"\(n(top))\" y2=\"\(axisY)\"/>"
        for tick in xTicks {
            let x = n(px(tick))
            svg += "<line class=\"axis\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(axisY)\" y2=\"\(n(top + plotHeight + 4))\"/>"
            svg += "<text class=\"tick\" x=\"\(x)\" y=\"\(n(top + plotHeight + 16))\" text-anchor=\"middle\">\(ReportNumber.fixed(tick, 0) ?? "")</text>"
        }
        svg += "<text class=\"axis-label\" x=\"\(n(left + plotWidth / 2))\" y=\"\(n(lineHeight - 6))\" text-anchor=\"middle\">\(xLabel)</text>"
        svg += "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"\(n(-(top + plotHeight / 2)))\" y=\"13\" text-anchor=\"middle\">\(yLabel)</text>"
        // Lines, then a dot on each line's last point so a one-day series is still visible.
        for line in series where !line.points.isEmpty {
            let points = line.points.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"\(line.cssClass)\" points=\"\(points)\"/>"
            if let last = line.points.last {
                svg += "<circle class=\"\(line.cssClass) dot\" cx=\"\(n(px(last.x)))\" cy=\"\(n(py(last.y)))\" r=\"3\"/>"
            }
        }
        // Legend along the top.
        var legendX = left
        for line in series {
            svg += "<line class=\"\(line.cssClass)\" x1=\"\(n(legendX))\" x2=\"\(n(legendX + 22))\" y1=\"12\" y2=\"12\"/>"
            svg += "<text class=\"legend\" x=\"\(n(legendX + 27))\" y=\"12\" dominant-baseline=\"middle\">\(line.name)</text>"
            legendX += 110
        }
        return svg + "</svg>"
    }

    /// A horizontal bar per funnel step: name and count above the bar, bar length proportional to members.
    static func funnel(_ steps: [ReportFunnelStep]) -> HTML {
        guard !steps.isEmpty else { return "<p class=\"empty\">No funnel data.</p>" }
        let rowHeight = 40.0, barHeight = 14.0
        let height = rowHeight * Double(steps.count) + 4
        let largest = Double(max(steps.map(\.members).max() ?? 1, 1))
        let bases = ReportFacts.funnelBases(steps)
        var svg: HTML = "<svg class=\"chart funnel\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"Funnel\">"
        svg += "<title>Funnel: members remaining at each step</title>"
        for (index, step) in steps.enumerated() {
            let y = Double(index) * rowHeight
            var count = ReportNumber.count(step.members)
            if let base = bases[index], base > 0 {
                count += " (" + ReportNumber.percent(Double(step.members) / Double(base), decimals: 1) + ")"
            }
            let barWidth = step.members > 0 ? max(2, Double(step.members) / largest * width) : 0
            svg += "<text class=\"bar-label\" x=\"0\" y=\"\(n(y + 13))\">\(ReportLabels.funnelStep(step.step))</text>"
            svg += "<text class=\"bar-value\" x=\"\(n(width))\" y=\"\(n(y + 13))\" text-anchor=\"end\">\(count)</text>"
            let armClass = ["treatment", "control"].contains(step.step.lowercased()) ? " bar-" + step.step.lowercased() : ""
            svg += "<rect class=\"bar\(armClass)\" x=\"0\" y=\"\(n(y + 19))\" width=\"\(n(barWidth))\" height=\"\(n(barHeight))\" rx=\"2\"/>"
        }
        return svg + "</svg>"
    }

    /// Round tick values covering [low, high]: steps of 1, 2 or 5 × 10ⁿ (whole numbers for days).
    static func ticks(from low: Double, to high: Double, count: Int, integers: Bool) -> [Double] {
        var low = low.isFinite ? low : 0
        var high = high.isFinite ? high : 1
        if high <= low { high = low + (integers ? 1 : max(abs(low), 1)) }
        var step = niceStep((high - low) / Double(max(count - 1, 1)))
        if integers { step = max(1, step.rounded()) }
        low = (low / step).rounded(.down) * step
        high = (high / step).rounded(.up) * step
        let intervals = Int(((high - low) / step).rounded())
        return (0...max(intervals, 1)).map { low + Double($0) * step }
    }

    /// The nearest step of the form 1, 2 or 5 × 10ⁿ at or above `raw`.
    private static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A coordinate with one decimal: short markup, sub-pixel precision is invisible anyway.
    static func n(_ value: Double) -> String {
        ReportNumber.fixed(value, 1) ?? "0"
    }
}
