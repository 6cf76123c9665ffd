/// The campaign page: every wave side by side, newest first, with the whole campaign's roll-up.
extension ReportHTML {
    static func campaign(_ data: ReportData, newestFirst: [(offset: Int, element: ReportWave)]) -> HTML {
        let waves = newestFirst.map(\.element)
        let level = ReportNumber.confidenceLabel(waves.first?.confidence ?? 0.95)
        let withProfit = waves.contains { $0.headline.grossMargin != nil } || data.rollup?.row.grossMargin != nil
        var html: HTML = "<section class=\"campaign\" id=\"campaign\">\n<h2>Campaign: every wave</h2>\n"
        var body: HTML = "<p class=\"hint\">Newest wave first. Amounts are rounded to what each interval supports; the exact numbers are in the wave sections and the CSV.</p>"
        body += "<div class=\"scroll\"><table class=\"campaign-table\" id=\"campaign-table\"><thead><tr>"
        var headers = ["Wave", "Coupons", "Coupon cost", "Incremental sales (\(level) CI)", "Net incremental (\(level) CI)"]
        if withProfit { headers.append("Incremental profit (\(level) CI)") }
        headers += ["Reactivation lift (\(level) CI)", "Return per ¥ (\(level) CI)"]
        for header in headers { body += "<th scope=\"col\">\(header)</th>" }
        body += "</tr></thead><tbody>\n"
        for (index, wave) in newestFirst {
            let status: String =
                wave.complete
                ? "complete"
                : "open, day \(ReportFacts.lastDay(wave.daily) ?? 0) of \(wave.windowDays)"
            let name: HTML = "<a href=\"#wave-\(index + 1)\">\(wave.wave)</a><small>\(status)</small>"
            body += campaignRow(wave.headline, key: wave.wave, name: name, coupons: wave.coupons, withProfit: withProfit)
        }
        body += "</tbody>"
        if let rollup = data.rollup {
            let status = rollup.complete ? "every window complete" : "some windows open"
            let name: HTML = "All \(rollup.waves) waves<small>through \(rollup.throughWave), \(status)</small>"
            let coupons = waves.filter { $0.wave <= rollup.throughWave }.compactMap(\.coupons).reduce(0, +)
            body += "<tfoot>" + campaignRow(rollup.row, key: "all_waves", name: name, coupons: coupons, withProfit: withProfit) + "</tfoot>"
        }
        body += "</table></div>\n"
        var rows = waves.map { wave in
            ReportChart.IntervalRow(
                label: wave.wave + (wave.complete ? "" : " (open)"), estimate: wave.headline.incrementalSales,
                low: wave.headline.ciLow, high: wave.headline.ciHigh)
        }
        if let rollup = data.rollup {
            rows.append(ReportChart.IntervalRow(
                label: "All \(rollup.waves) waves", estimate: rollup.row.incrementalSales, low: rollup.row.ciLow, high: rollup.row.ciHigh,
                emphasis: true))
        }
        body += ReportChart.intervals(title: "Incremental sales per wave with \(level) intervals, newest first", rows: rows, rowHeight: 24)
        if let rollup = data.rollup {
            body += "<p>\(rollupSentence(rollup, level: level))</p>"
        } else if waves.count > 1 {
            body += "<p class=\"hint\">No whole-campaign roll-up yet: it is stored when every wave is attributed together (`reactivate attribute` without `--wave`).</p>"
        }
        html += body
        return html + "</section>\n"
    }

    /// One wave (or the roll-up) in the campaign table; raw numbers in `data-v`/`data-low`/`data-high`.
    private static func campaignRow(_ row: ReportAttributionRow, key: String, name: HTML, coupons: Int64?, withProfit: Bool) -> HTML {
        let step = ReportNumber.roundingStep(low: row.ciLow, high: row.ciHigh)
        let netStep = ReportNumber.roundingStep(low: row.netCILow, high: row.netCIHigh)
        let profitStep = ReportNumber.roundingStep(low: row.profitCILow, high: row.profitCIHigh)
        var html: HTML = "<tr data-wave=\"\(key)\"><th scope=\"row\">\(name)</th>"
        html += "<td data-metric=\"coupons\" data-v=\"\(coupons.map { String($0) } ?? "")\">\(coupons.map { ReportNumber.count($0) } ?? ReportNumber.notAvailable)</td>"
        html += "<td data-metric=\"coupon_cost\" data-v=\"\(ReportNumber.fixed(row.couponCost, 2) ?? "")\">\(ReportNumber.yuan(row.couponCost, decimals: 0))</td>"
        html += estimateCell(row.incrementalSales, row.ciLow, row.ciHigh, step: step, metric: "incremental_sales")
        html += estimateCell(row.netIncrementalSales, row.netCILow, row.netCIHigh, step: netStep, metric: "net_incremental_sales")
        if withProfit {
            html += estimateCell(row.incrementalProfit, row.profitCILow, row.profitCIHigh, step: profitStep, metric: "incremental_profit")
        }
        let liftCI = ReportNumber.interval(row.reactivationCILow, row.reactivationCIHigh) { ReportNumber.points($0, decimals: 1) }
        html += "<td data-metric=\"reactivation_lift\" data-v=\"\(ReportNumber.fixed(row.reactivationLift, 6) ?? "")\">\(ReportNumber.points(row.reactivationLift, decimals: 1))<small>\(liftCI)</small></td>"
        let returnCI = ReportNumber.interval(row.returnCILow, row.returnCIHigh) { ReportNumber.ratio($0) }
        html += "<td data-metric=\"return_per_cost\" data-v=\"\(ReportNumber.fixed(row.returnPerCost, 6) ?? "")\">\(ReportNumber.ratio(row.returnPerCost))<small>\(returnCI)</small></td>"
        return html + "</tr>\n"
    }

    private static func rollupSentence(_ rollup: ReportRollup, level: String) -> String {
        let row = rollup.row
        let step = ReportNumber.roundingStep(low: row.ciLow, high: row.ciHigh)
        var text = "The whole campaign so far (\(rollup.waves) waves, each wave's effect summed): incremental sales "
            + "\(ReportNumber.yuan(row.incrementalSales, step: step)) (\(level) CI "
            + ReportNumber.interval(row.ciLow, row.ciHigh) { ReportNumber.yuan($0, step: step) } + "), net of "
            + "\(ReportNumber.yuan(row.couponCost, decimals: 0)) coupon cost "
            + ReportNumber.yuan(row.netIncrementalSales, step: step) + "."
        if row.grossMargin != nil {
            text += " Incremental profit \(ReportNumber.yuan(row.incrementalProfit, step: step)) (\(level) CI "
                + ReportNumber.interval(row.profitCILow, row.profitCIHigh) { ReportNumber.yuan($0, step: step) } + ")."
        }
        return text
    }
}
