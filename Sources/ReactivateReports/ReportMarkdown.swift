/// The report as Markdown: the same sections as the HTML, charts given as tables of their numbers.
///
/// Meant for pasting into a ticket or wiki. Lines are ``Markdown`` templates and table cells are plain
/// text escaped by ``table(_:_:)``, so every data string is escaped without a call site asking for it.
enum ReportMarkdown {
    static func document(_ data: ReportData) -> String {
        var lines: [Markdown] = [
            "# Reactivation report — \(data.campaign)", "",
            "Campaign **\(data.campaign)** · generated \(ReportTime.display(data.generatedAt, zone: data.businessTimeZone))", "",
        ]
        if data.waves.isEmpty { lines += ["_No waves to report yet._", ""] } else { lines += campaign(data) }
        for wave in data.waves { lines += section(wave, zone: data.businessTimeZone) }
        return lines.map(\.source).joined(separator: "\n")
    }

    /// Every wave side by side, newest first, and the whole campaign's roll-up.
    private static func campaign(_ data: ReportData) -> [Markdown] {
        let level = ReportNumber.confidenceLabel(data.waves.first?.confidence ?? 0.95)
        var rows = data.waves.sorted { $0.wave > $1.wave }.map { wave in
            campaignRow(wave.headline, name: wave.wave + (wave.complete ? "" : " (open)"), coupons: wave.coupons)
        }
        if let rollup = data.rollup { rows.append(campaignRow(rollup.row, name: "All \(rollup.waves) waves", coupons: nil)) }
        return ["## Campaign: every wave", "", "Newest wave first.", ""] + table(
            ["Wave", "Coupons", "Coupon cost", "Incremental sales", "\(level) CI", "Net incremental", "Incremental profit",
             "\(level) CI", "Reactivation lift", "Return per ¥", "\(level) CI"],
            rows)
    }

    private static func campaignRow(_ row: ReportAttributionRow, name: String, coupons: Int64?) -> [String] {
        [
            name, coupons.map { ReportNumber.count($0) } ?? "", ReportNumber.yuan(row.couponCost),
            ReportNumber.yuan(row.incrementalSales), ci(row.ciLow, row.ciHigh), ReportNumber.yuan(row.netIncrementalSales),
            row.grossMargin == nil ? "" : ReportNumber.yuan(row.incrementalProfit),
            row.grossMargin == nil ? "" : ci(row.profitCILow, row.profitCIHigh),
            ReportNumber.points(row.reactivationLift), ReportNumber.ratio(row.returnPerCost),
            ReportNumber.interval(row.returnCILow, row.returnCIHigh) { ReportNumber.ratio($0) },
        ]
    }

    private static func section(_ wave: ReportWave, zone: String?) -> [Markdown] {
        let level = ReportNumber.confidenceLabel(wave.confidence)
        let row = wave.headline
        var lines: [Markdown] = [
            "## Wave \(wave.wave)", "",
            "Coupons issued \(ReportTime.display(wave.issuedAt, zone: zone)) · \(wave.windowDays)-day window\(wave.observedThrough.map { " · outcomes observed through \($0)" } ?? "") · \(level) confidence intervals", "",
            "### Headline", "",
        ]
        if wave.complete {
            lines += ["**Window complete:** all \(wave.windowDays) days measured; these are final numbers.", ""]
        } else {
            let progress = ReportFacts.lastDay(wave.daily).map { "day \($0) of \(wave.windowDays)" } ?? "0 of \(wave.windowDays) days measured"
            lines += ["> **⚠ Window still open** — \(progress). These numbers are provisional and will change until the window closes.", ""]
        }
        let above = ReportFacts.reactivatedAboveControl(row)
        let aboveCI = ReportFacts.reactivatedAboveControlInterval(row)
        lines += table(
            ["Measure", "Estimate", "\(level) CI"],
            [
                ["Incremental sales", ReportNumber.yuan(row.incrementalSales), ci(row.ciLow, row.ciHigh)],
                ["Net incremental sales", ReportNumber.yuan(row.netIncrementalSales), ci(row.netCILow, row.netCIHigh)],
                [
                    "Reactivated members above control", ReportNumber.grouped(above, 0) ?? ReportNumber.notAvailable,
                    ReportNumber.interval(aboveCI.low, aboveCI.high) { ReportNumber.grouped($0, 0) ?? ReportNumber.notAvailable },
                ],
                ["Reactivation lift", ReportNumber.points(row.reactivationLift), pointsCI(row.reactivationCILow, row.reactivationCIHigh)],
                ["CUPED-adjusted incremental sales", ReportNumber.yuan(row.cupedIncrementalSales), ci(row.cupedCILow, row.cupedCIHigh)],
                ["Coupon cost", ReportNumber.yuan(row.couponCost), ""],
            ] + (row.grossMargin == nil ? [] : [
                ["Incremental profit (\(ReportNumber.percent(row.grossMargin, decimals: 0)) margin)", ReportNumber.yuan(row.incrementalProfit),
                 ci(row.profitCILow, row.profitCIHigh)],
            ]) + [
                ["Redemptions", ReportNumber.count(row.redemptions), ""],
                ["Return per coupon yuan", ReportNumber.ratio(row.returnPerCost),
                 row.returnCILow == nil ? "" : ReportNumber.interval(row.returnCILow, row.returnCIHigh) { ReportNumber.ratio($0) }],
                ["Members (treatment / control)", "\(ReportNumber.count(row.nTreatment)) / \(ReportNumber.count(row.nControl))", ""],
                [
                    "Reactivation rate (treatment / control)",
                    "\(ReportNumber.percent(ReportFacts.rate(row.reactivatedTreatment, of: row.nTreatment))) / "
                        + ReportNumber.percent(ReportFacts.rate(row.reactivatedControl, of: row.nControl)), "",
                ],
            ])

        lines += ["### Funnel", ""]
        let bases = ReportFacts.funnelBases(wave.funnel)
        lines += wave.funnel.isEmpty ? ["_No funnel data._", ""] : table(
            ["Step", "Members", "Share"],
            wave.funnel.enumerated().map { index, step in
                let share = bases[index].flatMap { $0 > 0 ? Double(step.members) / Double($0) : nil }
                return [ReportLabels.funnelStep(step.step), ReportNumber.count(step.members), share.map { ReportNumber.percent($0, decimals: 1) } ?? ""]
            })
        if !wave.funnel.isEmpty { lines += ["\(ReportText.funnelNote)", ""] }

        let days = ReportFacts.days(wave.daily)
        lines += ["### Cumulative sales per member", ""]
        lines += days.isEmpty ? ["_No daily data yet._", ""] : table(
            ["Day since issue", "Treatment", "Control"],
            days.map { day in
                ["\(day.day)", ReportNumber.yuan(ReportDay.salesPerMember(day.treatment)), ReportNumber.yuan(ReportDay.salesPerMember(day.control))]
            })
        lines += ["### Reactivation rate by day", ""]
        lines += days.isEmpty ? ["_No daily data yet._", ""] : table(
            ["Day since issue", "Treatment", "Control"],
            days.map { day in
                ["\(day.day)", ReportNumber.percent(ReportDay.reactivationRate(day.treatment)), ReportNumber.percent(ReportDay.reactivationRate(day.control))]
            })

        lines += ["### Stores", "", "Sorted by incremental sales, largest first.", ""]
        lines += attributionTable(ReportFacts.sortedByIncrementalSales(wave.stores), first: "Store", level: level)
        lines += ["### Segments", ""]
        lines += attributionTable(wave.segments, first: "Segment", level: level)

        lines += ["### Power analysis", ""]
        if let power = wave.power {
            if let warning = power.warning { lines += ["> **Warning:** \(warning)", ""] }
            lines += table(
                ["Quantity", "Value"],
                [
                    ["Treatment members", ReportNumber.count(power.treatment)],
                    ["Control members", ReportNumber.count(power.control)],
                    ["Baseline reactivation rate", ReportNumber.percent(power.baselineRate)],
                    ["Expected lift", ReportNumber.points(power.expectedLift)],
                    ["Minimum detectable reactivation lift", ReportNumber.points(power.mdeReactivationRate)],
                    ["Minimum detectable sales per member", ReportNumber.yuan(power.mdeSalesPerMember)],
                ])
            lines += ["\(ReportText.powerVerdict(power))", ""]
        } else {
            lines += ["No power analysis for this wave: minimum detectable effects are \(ReportNumber.notAvailable).", ""]
        }
        lines += ["### How to read a CI", "", "\(ReportText.howToReadCI(level))", ""]
        return lines
    }

    private static func attributionTable(_ rows: [ReportAttributionRow], first: String, level: String) -> [Markdown] {
        guard !rows.isEmpty else { return ["_No rows._", ""] }
        return table(
            [first, "Key", "Treated", "Control", "Incremental sales", "\(level) CI", "Net incremental", "Net \(level) CI",
             "Redemptions", "Coupon cost", "Reactivation lift", "Return per ¥"],
            rows.map { row in
                [
                    row.label, row.key,
                    ReportNumber.count(row.nTreatment), ReportNumber.count(row.nControl),
                    ReportNumber.yuan(row.incrementalSales), ci(row.ciLow, row.ciHigh),
                    ReportNumber.yuan(row.netIncrementalSales), ci(row.netCILow, row.netCIHigh),
                    ReportNumber.count(row.redemptions), ReportNumber.yuan(row.couponCost),
                    ReportNumber.points(row.reactivationLift), ReportNumber.ratio(row.returnPerCost),
                ]
            })
    }

    /// A GitHub-flavoured table; numeric columns (all but the first) right-aligned.
    ///
    /// Header and cells are plain text, escaped here in one place, so a `|` or newline in a name stays in its cell.
    private static func table(_ header: [String], _ rows: [[String]]) -> [Markdown] {
        func line(_ cells: [String]) -> Markdown {
            Markdown(verbatim: "| " + cells.map { Markdown(text: $0).source }.joined(separator: " | ") + " |")
        }
        var lines = [line(header)]
        lines.append(Markdown(verbatim: "|" + header.indices.map { $0 == 0 ? " --- " : " ---: " }.joined(separator: "|") + "|"))
        for row in rows { lines.append(line(row)) }
        return lines + [""]
    }

    private static func ci(_ low: Double?, _ high: Double?) -> String {
        ReportNumber.interval(low, high) { ReportNumber.yuan($0) }
    }

    private static func pointsCI(_ low: Double?, _ high: Double?) -> String {
        ReportNumber.interval(low, high) { ReportNumber.points($0) }
    }
}
