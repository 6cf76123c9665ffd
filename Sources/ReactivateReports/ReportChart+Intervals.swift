extension ReportChart {
    /// One row of an interval chart: a group's estimate and its confidence interval.
    struct IntervalRow {
        var label: String
        var estimate: Double?
        var low: Double?
        var high: Double?
        /// Drawn bold (the campaign roll-up).
        var emphasis = false
    }

    /// A forest plot: one row per group, the interval as a bar, the estimate as a dot, zero as a dashed line.
    /// A bar wholly above or below zero is coloured so; rows without an interval say "n/a".
    /// - Parameters:
    ///   - gapAfter: index of the row after which a gap with `gapLabel` stands for rows left out.
    static func intervals(
        title: String, rows: [IntervalRow], rowHeight: Double = 20, gapAfter: Int? = nil, gapLabel: String = ""
    ) -> HTML {
        let values = rows.flatMap { [$0.low, $0.high, $0.estimate] }.compactMap(ReportFacts.finite)
        guard !values.isEmpty else { return "<p class=\"empty\">No intervals to draw.</p>" }
        let labelWidth = 132.0, right = 14.0, top = 6.0, bottom = 30.0
        let gap = gapAfter == nil ? 0 : rowHeight
        let plotWidth = width - labelWidth - right
        let height = top + rowHeight * Double(rows.count) + gap + bottom
        let xTicks = ticks(from: min(values.min() ?? 0, 0), to: max(values.max() ?? 1, 0), count: 5, integers: false)
        let low = xTicks.first ?? 0, high = xTicks.last ?? 1
        func px(_ x: Double) -> Double { labelWidth + (x - low) / max(high - low, 1e-12) * plotWidth }
        func rowY(_ index: Int) -> Double {
            top + rowHeight * (Double(index) + 0.5) + (gapAfter.map { index > $0 ? gap : 0 } ?? 0)
        }

        var svg: HTML = "<svg class=\"chart intervals\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(title)\">"
        svg += "<title>\(title)</title>"
        let plotBottom = n(height - bottom)
        for tick in xTicks {
            let x = n(px(tick))
            svg += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(n(top))\" y2=\"\(plotBottom)\"/>"
            svg += "<text class=\"tick\" x=\"\(x)\" y=\"\(n(height - bottom + 13))\" text-anchor=\"middle\">\(ReportNumber.compactYuan(tick))</text>"
        }
        svg += "<line class=\"zero\" x1=\"\(n(px(0)))\" x2=\"\(n(px(0)))\" y1=\"\(n(top))\" y2=\"\(plotBottom)\"/>"
        svg += "<text class=\"axis-label\" x=\"\(n(labelWidth + plotWidth / 2))\" y=\"\(n(height - 4))\" text-anchor=\"middle\">Incremental sales (¥), with confidence interval</text>"
        if let gapAfter, gapAfter < rows.count - 1 {
            svg += "<text class=\"gap-label\" x=\"\(n(labelWidth + plotWidth / 2))\" y=\"\(n(rowY(gapAfter) + rowHeight))\" text-anchor=\"middle\" dy=\"0.35em\">\(gapLabel)</text>"
        }
        for (index, row) in rows.enumerated() {
            let y = n(rowY(index))
            let weight: HTML = row.emphasis ? " emphasis" : ""
            svg += "<g><title>\(row.label): \(ReportNumber.yuan(row.estimate)) (\(ReportNumber.interval(row.low, row.high) { ReportNumber.yuan($0) }))</title>"
            svg += "<text class=\"interval-label\(weight)\" x=\"\(n(labelWidth - 6))\" y=\"\(y)\" text-anchor=\"end\" dy=\"0.35em\">\(shortened(row.label))</text>"
            if let l = ReportFacts.finite(row.low), let h = ReportFacts.finite(row.high) {
                let side: HTML =
                    switch ReportFacts.side(low: l, high: h) {
                    case .positive: "ci-positive"
                    case .negative: "ci-negative"
                    default: "ci-neutral"
                    }
                svg += "<line class=\"ci \(side)\(weight)\" x1=\"\(n(px(l)))\" x2=\"\(n(px(h)))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            }
            if let estimate = ReportFacts.finite(row.estimate) {
                svg += "<circle class=\"estimate\" cx=\"\(n(px(estimate)))\" cy=\"\(y)\" r=\"\(row.emphasis ? "4" : "3")\"/>"
            } else {
                svg += "<text class=\"tick\" x=\"\(n(labelWidth + 4))\" y=\"\(y)\" dy=\"0.35em\">n/a</text>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// A label that fits the label column: CJK characters count as a full em, others as about half.
    static func shortened(_ label: String, ems: Double = 12) -> String {
        var width = 0.0
        var result = ""
        for character in label {
            let wide = character.unicodeScalars.first.map { $0.value >= 0x2E80 } ?? false
            width += wide ? 1 : 0.56
            if width > ems { return result + "…" }
            result.append(character)
        }
        return result
    }
}
