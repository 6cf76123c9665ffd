/// The self-contained HTML report: inline CSS, inline SVG, one small inline script, nothing fetched.
///
/// A Content-Security-Policy of `default-src 'none'` backs that up: even if a resource reference
/// slipped in, the browser would refuse to load it. The page is built from ``HTML`` templates, whose
/// interpolation escapes every data string, so no call site has to remember to.
enum ReportHTML {
    static func document(_ data: ReportData) -> String {
        var html: HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <title>Reactivation report — \(data.campaign)</title>
            <style>\(html: stylesheet)</style>
            <script>\(html: errorScript)</script>
            </head>
            <body>
            <header class="page">
            <h1>Reactivation report</h1>
            <p class="meta">Campaign <strong>\(data.campaign)</strong> · generated \(ReportTime.display(data.generatedAt, zone: data.businessTimeZone))</p>

            """
        let newestFirst = Array(data.waves.enumerated()).sorted { $0.element.wave > $1.element.wave }
        if !data.waves.isEmpty {
            html += "<nav aria-label=\"Waves\"><a href=\"#campaign\">Campaign</a> · Waves: "
            html += newestFirst.map { index, wave -> HTML in
                "<a href=\"#wave-\(index + 1)\">\(wave.wave)\(wave.complete ? "" : " (open)")</a>"
            }.joined(separator: " · ")
            html += "</nav>\n"
        }
        html += "</header>\n<main>\n"
        if data.waves.isEmpty {
            html += "<p class=\"empty\">No waves to report yet.</p>\n"
        } else {
            html += campaign(data, newestFirst: newestFirst)
        }
        for (index, wave) in data.waves.enumerated() {
            html += section(wave, id: "wave-\(index + 1)", zone: data.businessTimeZone)
        }
        html += "</main>\n<script>\(html: sortScript)</script>\n</body>\n</html>\n"
        return html.markup
    }

    // MARK: - One wave

    private static func section(_ wave: ReportWave, id: String, zone: String?) -> HTML {
        let level = ReportNumber.confidenceLabel(wave.confidence)
        let openTag: HTML = wave.complete ? "" : " <span class=\"tag-open\">window open</span>"
        var html: HTML = "<section class=\"wave\" id=\"\(id)\">\n"
        html += "<h2>Wave \(wave.wave)\(openTag)</h2>\n"
        let observed: HTML = wave.observedThrough.map { " · outcomes observed through \($0)" } ?? ""
        html += "<p class=\"meta\">Coupons issued \(ReportTime.display(wave.issuedAt, zone: zone)) · \(wave.windowDays)-day window\(observed) · \(level) confidence intervals</p>\n"
        html += block("Headline", id: id + "-headline", headline(wave, level: level))
        html += block("Parameters", id: id + "-parameters", parameters(wave, zone: zone))
        html += block("Definitions", id: id + "-definitions", definitions(wave))
        let funnelNote: HTML = wave.funnel.isEmpty ? "" : "<p class=\"hint\">\(ReportText.funnelNote)</p>"
        html += block("Funnel", id: id + "-funnel", ReportChart.funnel(wave.funnel) + funnelNote)
        let days = ReportFacts.days(wave.daily)
        html += block("Cumulative sales per member", id: id + "-sales", salesChart(days, window: wave.windowDays))
        html += block(
            "Reactivation rate by day", id: id + "-reactivation", reactivationChart(days, window: wave.windowDays) + dailyTable(days))
        html += block("Stores", id: id + "-stores", stores(wave, level: level, id: id))
        html += block("Segments", id: id + "-segments", table(
                wave.segments, first: "Segment", level: level, id: id + "-segment-table", sortedByIncrementalSales: false))
        html += block("Power analysis", id: id + "-power", power(wave.power))
        html += block("Diagnostics", id: id + "-diagnostics", diagnostics(wave.diagnostics))
        html += block("How to read a CI", id: id + "-ci", "<p>\(ReportText.howToReadCI(level))</p>")
        return html + "</section>\n"
    }

    private static func block(_ title: String, id: String, _ body: HTML) -> HTML {
        "<section class=\"block\" id=\"\(id)\">\n<h3>\(title)</h3>\n\(body)\n</section>\n"
    }

    // MARK: - 1. Headline

    private static func headline(_ wave: ReportWave, level: String) -> HTML {
        let row = wave.headline
        var html = HTML()
        if wave.complete {
            html += "<p class=\"status window-complete\"><strong>Window complete:</strong> all \(wave.windowDays) days measured; these are final numbers.</p>\n"
        } else {
            let progress = ReportFacts.lastDay(wave.daily).map { "day \($0) of \(wave.windowDays)" } ?? "0 of \(wave.windowDays) days measured"
            html += "<div class=\"banner window-open\" role=\"alert\"><strong>Window still open</strong> — \(progress). "
            html += "These numbers are provisional and will change until the window closes.</div>\n"
        }
        let above = ReportFacts.reactivatedAboveControl(row)
        let aboveCI = ReportFacts.reactivatedAboveControlInterval(row)
        let rateT = ReportFacts.rate(row.reactivatedTreatment, of: row.nTreatment)
        let rateC = ReportFacts.rate(row.reactivatedControl, of: row.nControl)
        let salesStep = ReportNumber.roundingStep(low: row.ciLow, high: row.ciHigh)
        let netStep = ReportNumber.roundingStep(low: row.netCILow, high: row.netCIHigh)
        let cupedStep = ReportNumber.roundingStep(low: row.cupedCILow, high: row.cupedCIHigh)
        let profitStep = ReportNumber.roundingStep(low: row.profitCILow, high: row.profitCIHigh)
        let liftNote = wave.power.map(ReportText.powerNoteOnLift)
        let salesNote = wave.power.map { ReportText.powerNoteOnSales($0, treated: row.nTreatment) }
        html += "<div class=\"cards\">\n"
        html += card(
            "Incremental sales", rounded(row.incrementalSales, salesStep),
            roundedInterval(level, row.ciLow, row.ciHigh, step: salesStep),
            side: ReportFacts.side(low: row.ciLow, high: row.ciHigh), key: "incremental", note: salesNote)
        html += card(
            "Net incremental sales", rounded(row.netIncrementalSales, netStep),
            roundedInterval(level, row.netCILow, row.netCIHigh, step: netStep)
                + "<br>after \(ReportNumber.yuan(row.couponCost)) coupon cost, \(ReportNumber.count(row.redemptions)) redemptions",
            side: ReportFacts.side(low: row.netCILow, high: row.netCIHigh), key: "net")
        if let margin = row.grossMargin {
            html += card(
                "Incremental profit", rounded(row.incrementalProfit, profitStep),
                roundedInterval(level, row.profitCILow, row.profitCIHigh, step: profitStep)
                    + "<br>\(ReportNumber.percent(margin, decimals: 0)) gross margin × incremental sales − coupon cost",
                side: ReportFacts.side(low: row.profitCILow, high: row.profitCIHigh), key: "profit")
        }
        html += card(
            "Reactivated members above control", .init(text: ReportNumber.grouped(above, 0) ?? ReportNumber.notAvailable, exact: nil),
            "\(interval(level, aboveCI.low, aboveCI.high) { ReportNumber.grouped($0, 0) ?? ReportNumber.notAvailable })"
                + "<br>treatment \(ReportNumber.percent(rateT)) vs control \(ReportNumber.percent(rateC)) (\(ReportNumber.points(row.reactivationLift)))",
            side: ReportFacts.side(low: row.reactivationCILow, high: row.reactivationCIHigh), key: "reactivated", note: liftNote)
        html += card(
            "CUPED-adjusted incremental sales", rounded(row.cupedIncrementalSales, cupedStep),
            roundedInterval(level, row.cupedCILow, row.cupedCIHigh, step: cupedStep)
                + "<br>same effect, pre-period spend removed from the noise",
            side: ReportFacts.side(low: row.cupedCILow, high: row.cupedCIHigh), key: "cuped")
        html += card(
            "Return per coupon yuan", .init(text: ReportNumber.ratio(row.returnPerCost), exact: nil),
            "\(interval(level, row.returnCILow, row.returnCIHigh) { ReportNumber.ratio($0) })<br>incremental sales ÷ coupon cost",
            side: row.returnCILow == nil ? nil : ReportFacts.side(low: row.returnCILow.map { $0 - 1 }, high: row.returnCIHigh.map { $0 - 1 }),
            key: "return", sideWords: ("sales above coupon cost", "sales below coupon cost", "sales not distinguishable from coupon cost"))
        html += card(
            "Members", .init(text: "\(ReportNumber.count(row.nTreatment)) / \(ReportNumber.count(row.nControl))", exact: nil),
            "treatment / control; sales \(ReportNumber.yuan(row.salesTreatment)) / \(ReportNumber.yuan(row.salesControl))",
            side: nil, key: "members")
        return html + "</div>"
    }

    /// A card's headline value: the text shown, and the exact amount when rounding changed it (shown on hover).
    private struct CardValue {
        var text: String
        var exact: String?
    }

    /// An amount rounded to what its interval supports, keeping the exact amount for the tooltip.
    private static func rounded(_ value: Double?, _ step: Double?) -> CardValue {
        let text = ReportNumber.yuan(value, step: step)
        let exact = ReportNumber.yuan(value)
        return CardValue(text: text, exact: exact == text ? nil : exact)
    }

    /// One headline card; `detail` may hold line breaks; `note` is the wave's power verdict for this estimate.
    private static func card(
        _ title: String, _ value: CardValue, _ detail: HTML, side: ReportIntervalSide?, key: String,
        note: (text: String, underpowered: Bool)? = nil, sideWords: (String, String, String)? = nil
    ) -> HTML {
        var html: HTML = "<div class=\"card\" data-metric=\"\(key)\"><div class=\"card-title\">\(title)</div>"
        if let exact = value.exact {
            html += "<div class=\"card-value\" title=\"exactly \(exact)\">\(value.text)</div>"
        } else {
            html += "<div class=\"card-value\">\(value.text)</div>"
        }
        html += "<div class=\"card-detail\">\(detail)</div>"
        if let side { html += badge(side, words: sideWords) }
        if let note {
            html += "<div class=\"power-note\(note.underpowered ? " underpowered" : "")\">\(note.text)</div>"
        }
        return html + "</div>\n"
    }

    /// "95% CI ¥215,000 to ¥307,000", the exact bounds on hover when rounding changed them.
    private static func roundedInterval(_ level: String, _ low: Double?, _ high: Double?, step: Double?) -> HTML {
        let shown = interval(level, low, high) { ReportNumber.yuan($0, step: step) }
        let exact = ReportNumber.interval(low, high) { ReportNumber.yuan($0) }
        guard shown != interval(level, low, high, { ReportNumber.yuan($0) }) else { return "\(shown)" }
        return "<span title=\"exactly \(exact)\">\(shown)</span>"
    }

    private static func interval(_ level: String, _ low: Double?, _ high: Double?, _ format: (Double?) -> String) -> String {
        "\(level) CI " + ReportNumber.interval(low, high, format)
    }

    private static func badge(_ side: ReportIntervalSide, words: (above: String, below: String, neither: String)? = nil) -> HTML {
        let words = words ?? ("above zero", "below zero", "not distinguishable from zero")
        switch side {
        case .positive: return "<span class=\"badge positive\">\(words.above)</span>"
        case .negative: return "<span class=\"badge negative\">\(words.below)</span>"
        case .includesZero: return "<span class=\"badge neutral\">\(words.neither)</span>"
        case .unknown: return "<span class=\"badge neutral\">not estimable</span>"
        }
    }

    // MARK: - 3 and 4. Daily charts

    /// The x axis always spans the whole window, so an open wave shows how far along it is.
    private static func salesChart(_ days: [ReportDay], window: Int) -> HTML {
        ReportChart.line(
            title: "Cumulative sales per member by day since issue, treatment vs control",
            xLabel: "Days since issue", xMax: Double(window), yLabel: "Sales per member (¥)",
            series: series(days, ReportDay.salesPerMember),
            formatTick: { value, step in "¥" + (ReportNumber.grouped(value, step >= 1 ? 0 : 2) ?? "") })
    }

    private static func reactivationChart(_ days: [ReportDay], window: Int) -> HTML {
        ReportChart.line(
            title: "Share of members reactivated by day since issue, treatment vs control",
            xLabel: "Days since issue", xMax: Double(window), yLabel: "Reactivated (% of arm)",
            series: series(days, ReportDay.reactivationRate),
            formatTick: { value, step in ReportNumber.percent(value, decimals: step >= 0.01 ? 0 : step >= 0.001 ? 1 : 2) })
    }

    private static func series(_ days: [ReportDay], _ value: (ReportDailyPoint?) -> Double?) -> [ReportChart.Series] {
        [
            ReportChart.Series(
                name: "Treatment", cssClass: "line-treatment",
                points: days.compactMap { day in value(day.treatment).map { (Double(day.day), $0) } }),
            ReportChart.Series(
                name: "Control", cssClass: "line-control",
                points: days.compactMap { day in value(day.control).map { (Double(day.day), $0) } }),
        ]
    }

    /// The exact numbers behind both charts, folded away so the page stays short on a phone.
    private static func dailyTable(_ days: [ReportDay]) -> HTML {
        guard !days.isEmpty else { return "" }
        var html: HTML = "<details><summary>Daily numbers</summary><div class=\"scroll\"><table class=\"daily\"><thead><tr>"
        html += "<th scope=\"col\">Day</th><th scope=\"col\">Sales / member, treatment</th><th scope=\"col\">Sales / member, control</th>"
        html += "<th scope=\"col\">Reactivated, treatment</th><th scope=\"col\">Reactivated, control</th></tr></thead><tbody>"
        for day in days {
            html += "<tr><td>\(day.day)</td>"
            html += "<td>\(ReportNumber.yuan(ReportDay.salesPerMember(day.treatment)))</td>"
            html += "<td>\(ReportNumber.yuan(ReportDay.salesPerMember(day.control)))</td>"
            html += "<td>\(ReportNumber.percent(ReportDay.reactivationRate(day.treatment)))</td>"
            html += "<td>\(ReportNumber.percent(ReportDay.reactivationRate(day.control)))</td></tr>"
        }
        return html + "</tbody></table></div></details>"
    }

    // MARK: - 5 and 6. Sortable tables

    /// Up to this many stores are listed in one table; more are shown as the top and bottom ones, the rest folded.
    static let storesShownInFull = 20
    static let storesAtEachEnd = 10

    /// The stores: multiplicity caveat, interval chart, the top and bottom stores, and every store folded away.
    private static func stores(_ wave: ReportWave, level: String, id: String) -> HTML {
        let sorted = ReportFacts.sortedByIncrementalSales(wave.stores)
        guard !sorted.isEmpty else { return "<p class=\"empty\">No rows.</p>" }
        let estimable = sorted.filter { ReportFacts.side(low: $0.ciLow, high: $0.ciHigh) != .unknown }
        let excluding = estimable.filter { [.positive, .negative].contains(ReportFacts.side(low: $0.ciLow, high: $0.ciHigh)) }.count
        var html: HTML = "<p class=\"caveat\">\(ReportText.multiplicity(count: estimable.count, excludingZero: excluding, confidence: wave.confidence, what: "store"))</p>\n"
        func rows(_ rows: [ReportAttributionRow]) -> [ReportChart.IntervalRow] {
            rows.map { ReportChart.IntervalRow(label: $0.label, estimate: $0.incrementalSales, low: $0.ciLow, high: $0.ciHigh) }
        }
        if sorted.count <= storesShownInFull {
            html += ReportChart.intervals(title: "Incremental sales by store with \(level) intervals, largest first", rows: rows(sorted), rowHeight: 16)
            html += "<p class=\"hint\">Sorted by incremental sales; tap a column header to sort by it.</p>"
            return html + table(sorted, first: "Store", level: level, id: id + "-store-table", sortedByIncrementalSales: true)
        }
        let top = Array(sorted.prefix(storesAtEachEnd)), bottom = Array(sorted.suffix(storesAtEachEnd))
        let middle = sorted.count - top.count - bottom.count
        html += ReportChart.intervals(
            title: "Incremental sales of the top and bottom \(storesAtEachEnd) stores with \(level) intervals", rows: rows(top + bottom),
            rowHeight: 16, gapAfter: top.count - 1, gapLabel: "… \(middle) stores in between …")
        html += "<h4>Top \(top.count) stores by incremental sales</h4>"
        html += table(top, first: "Store", level: level, id: id + "-store-top", sortedByIncrementalSales: false, sortable: false)
        html += "<h4>Bottom \(bottom.count) stores</h4>"
        html += table(bottom, first: "Store", level: level, id: id + "-store-bottom", sortedByIncrementalSales: false, sortable: false)
        html += "<details class=\"all-stores\"><summary>All \(sorted.count) stores (sortable)</summary>"
        html += "<p class=\"hint\">Sorted by incremental sales; tap a column header to sort by it.</p>"
        html += table(sorted, first: "Store", level: level, id: id + "-store-table", sortedByIncrementalSales: true)
        return html + "</details>"
    }

    /// An attribution table; numeric cells carry their raw value in `data-v` for the sort script.
    /// Amounts are rounded to what each row's interval supports; the interval sits under the estimate.
    /// - Parameter sortedByIncrementalSales: whether the rows arrive in that order, so the header may say so.
    private static func table(
        _ rows: [ReportAttributionRow], first: String, level: String, id: String, sortedByIncrementalSales: Bool, sortable: Bool = true
    ) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">No rows.</p>" }
        // Incremental sales right after the name: on a phone it is the column visible without scrolling.
        let headers: [(String, String)] = [
            (first, "text"), ("Incremental sales (\(level) CI)", "number"), ("Net incremental (\(level) CI)", "number"),
            ("Treated", "number"), ("Control", "number"), ("Redeemed", "number"), ("Reactivation lift", "number"),
            ("Return per ¥", "number"),
        ]
        let tableClass: HTML = sortable ? "attribution sortable" : "attribution"
        var html: HTML = "<div class=\"scroll\"><table class=\"\(tableClass)\" id=\"\(id)\"><thead><tr>"
        for (index, header) in headers.enumerated() {
            let sort: HTML = index == 1 && sortedByIncrementalSales ? " aria-sort=\"descending\"" : ""
            let label: HTML = sortable ? "<button type=\"button\">\(header.0)</button>" : "\(header.0)"
            html += "<th scope=\"col\" data-type=\"\(header.1)\"\(sort)>\(label)</th>"
        }
        html += "</tr></thead><tbody>\n"
        for row in rows {
            let step = ReportNumber.roundingStep(low: row.ciLow, high: row.ciHigh)
            let netStep = ReportNumber.roundingStep(low: row.netCILow, high: row.netCIHigh)
            let redemptionRate = ReportFacts.rate(row.redemptions, of: row.nTreatment)
            html += "<tr><th scope=\"row\" title=\"\(row.label)\">\(row.label)<small>\(row.key)</small></th>"
            html += estimateCell(row.incrementalSales, row.ciLow, row.ciHigh, step: step)
            html += estimateCell(row.netIncrementalSales, row.netCILow, row.netCIHigh, step: netStep)
            html += numberCell(Double(row.nTreatment), ReportNumber.count(row.nTreatment))
            html += numberCell(Double(row.nControl), ReportNumber.count(row.nControl))
            let redeemed = "\(ReportNumber.count(row.redemptions)) of \(ReportNumber.count(row.nTreatment)) coupons redeemed, \(ReportNumber.yuan(row.couponCost)) face value"
            html += "<td data-v=\"\(ReportNumber.fixed(redemptionRate, 6) ?? "")\" title=\"\(redeemed)\">\(ReportNumber.percent(redemptionRate, decimals: 1))</td>"
            html += numberCell(row.reactivationLift, ReportNumber.points(row.reactivationLift))
            html += numberCell(row.returnPerCost, ReportNumber.ratio(row.returnPerCost))
            html += "</tr>\n"
        }
        return html + "</tbody></table></div>"
    }

    /// An estimate with its interval underneath; the raw estimate in `data-v`, the raw bounds in `data-low`/`data-high`.
    /// `metric` names the attribution column the cell shows, so a reader (or a test) can match it to the table.
    static func estimateCell(_ value: Double?, _ low: Double?, _ high: Double?, step: Double?, metric: String? = nil) -> HTML {
        let interval: HTML = ReportFacts.finite(low) == nil && ReportFacts.finite(high) == nil
            ? "" : "<small>\(ReportNumber.interval(low, high) { ReportNumber.yuan($0, step: step) })</small>"
        let name: HTML = metric.map { " data-metric=\"\($0)\"" } ?? ""
        return "<td\(name) data-v=\"\(ReportNumber.fixed(value, 6) ?? "")\" data-low=\"\(ReportNumber.fixed(low, 6) ?? "")\" data-high=\"\(ReportNumber.fixed(high, 6) ?? "")\">\(ReportNumber.yuan(value, step: step))\(interval)</td>"
    }

    static func numberCell(_ raw: Double?, _ text: String) -> HTML {
        "<td data-v=\"\(ReportNumber.fixed(raw, 6) ?? "")\">\(text)</td>"
    }

    // MARK: - 7. Power

    private static func power(_ power: ReportPower?) -> HTML {
        guard let power else {
            return "<p>No power analysis for this wave: minimum detectable effects are \(ReportNumber.notAvailable).</p>"
        }
        var html = HTML()
        if let warning = power.warning {
            html += "<div class=\"banner warning\" role=\"note\"><strong>Warning:</strong> \(warning)</div>\n"
        }
        let rows: [(String, String)] = [
            ("Treatment members", ReportNumber.count(power.treatment)),
            ("Control members", ReportNumber.count(power.control)),
            ("Baseline reactivation rate", ReportNumber.percent(power.baselineRate)),
            ("Expected lift", ReportNumber.points(power.expectedLift)),
            ("Minimum detectable reactivation lift", ReportNumber.points(power.mdeReactivationRate)),
            ("Minimum detectable sales per member", ReportNumber.yuan(power.mdeSalesPerMember)),
        ]
        html += "<table class=\"facts\"><tbody>"
        for (name, value) in rows {
            html += "<tr><th scope=\"row\">\(name)</th><td>\(value)</td></tr>"
        }
        html += "</tbody></table>\n<p>\(ReportText.powerVerdict(power))</p>"
        return html
    }

    // MARK: - Assets

    /// Reports script errors where a test reading the dumped DOM can see them.
    private static let errorScript: HTML = """
        window.onerror=function(message){(document.body||document.documentElement).dataset.error=String(message);};
        """

    /// Click-to-sort for every `table.sortable`; n/a cells always sort last. Marks the page ready when done.
    private static let sortScript: HTML = """
        (function(){
        function value(row,i,numeric){var cell=row.cells[i];if(!numeric){return cell.textContent.toLowerCase();}
        var raw=cell.getAttribute('data-v');return raw===null||raw===''?null:parseFloat(raw);}
        function sort(table,i,numeric,direction){var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=value(a,i,numeric),y=value(b,i,numeric);
        if(x===null||y===null){return x===y?0:(x===null?1:-1);}
        var order=numeric?(x<y?-1:(x>y?1:0)):x.localeCompare(y);return direction==='ascending'?order:-order;});
        rows.forEach(function(row){body.appendChild(row);});
        Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,j){th.setAttribute('aria-sort',j===i?direction:'none');});}
        Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(table){
        Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
        var numeric=th.getAttribute('data-type')==='number';var button=th.querySelector('button');if(!button){return;}
        button.addEventListener('click',function(){var current=th.getAttribute('aria-sort');
        var next=current==='descending'?'ascending':(current==='ascending'?'descending':(numeric?'descending':'ascending'));
        sort(table,i,numeric,next);});});});
        document.title=document.title+' — ready';
        })();
        """

    private static let stylesheet: HTML = """
        :root{--treatment:#1859c9;--control:#8a6d1f;--ink:#1d2228;--muted:#5d6670;--line:#d9dee4;--bg:#f5f6f8;--card:#fff}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif}
        header.page,main{max-width:1180px;margin:0 auto;padding:12px}
        h1{font-size:1.45rem;margin:.3rem 0}
        h2{font-size:1.25rem;margin:1.4rem 0 .2rem;padding-top:.6rem;border-top:3px solid var(--ink)}
        h3{font-size:1.05rem;margin:0 0 .5rem}
        .meta,.hint,.card-detail,small{color:var(--muted)}
        .meta{margin:.2rem 0 .6rem;overflow-wrap:anywhere}
        nav a{color:var(--treatment)}
        .block{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;margin:12px 0;min-width:0}
        .banner{border-radius:6px;padding:10px 12px;margin:0 0 10px}
        .window-open{background:#fff3cd;border:2px solid #c98a00;font-size:1.05rem}
        .tag-open{display:inline-block;vertical-align:middle;font-size:.8rem;font-weight:600;padding:2px 8px;border-radius:10px;background:#c98a00;color:#fff}
        .warning{background:#fdecea;border:2px solid #c0392b}
        .window-complete{margin:0 0 10px;padding:8px 12px;border-radius:6px;background:#e8f5ec;border:1px solid #5aa469}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:10px}
        .card{border:1px solid var(--line);border-radius:6px;padding:10px;min-width:0}
        .card-title{font-size:.85rem;color:var(--muted);text-transform:uppercase;letter-spacing:.02em}
        .card-value{font-size:1.5rem;font-weight:700;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
        .card-detail{font-size:.85rem}
        .badge{display:inline-block;margin-top:6px;padding:1px 8px;border-radius:10px;font-size:.78rem}
        .badge.positive{background:#dff3e4;color:#1e6b34}.badge.negative{background:#fbe0de;color:#a1281c}.badge.neutral{background:#eceff2;color:#4a525a}
        svg.chart{display:block;width:100%;max-width:600px;height:auto;margin:0 auto;overflow:visible}
        svg .grid{stroke:#e6e9ed;stroke-width:1}svg .axis{stroke:#7b848d;stroke-width:1}
        svg text{fill:var(--ink);font-size:11px}svg .tick{fill:var(--muted);font-size:10px}svg .axis-label{font-size:11px;fill:var(--muted)}
        svg .bar-label{font-size:12px}svg .bar-value{font-size:12px;font-variant-numeric:tabular-nums}
        svg .bar{fill:#7c8a99}svg .bar-treatment{fill:var(--treatment)}svg .bar-control{fill:var(--control)}
        polyline,svg line.line-treatment,svg line.line-control{fill:none;stroke-width:2.5}
        .line-treatment{stroke:var(--treatment)}.line-control{stroke:var(--control);stroke-dasharray:6 4}
        circle.dot{stroke:none}circle.line-treatment{fill:var(--treatment)}circle.line-control{fill:var(--control)}
        .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
        table{border-collapse:separate;border-spacing:0;font-variant-numeric:tabular-nums;font-size:.88rem}
        th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
        thead th{background:#eef1f4;position:sticky;top:0}
        tbody th,tfoot th{text-align:left;font-weight:600;position:sticky;left:0;background:var(--card);white-space:nowrap;max-width:13em;overflow:hidden;text-overflow:ellipsis}
        td small{display:block;color:var(--muted);font-size:.78rem}
        tfoot th,tfoot td{border-top:2px solid var(--ink);font-weight:600}
        h4{font-size:.95rem;margin:.9rem 0 .3rem}
        .caveat{background:#f3f0e6;border-left:4px solid #c98a00;padding:6px 10px;margin:0 0 10px}
        .power-note{margin-top:6px;font-size:.8rem;color:#1e6b34}.power-note.underpowered{color:#a1281c;font-weight:600}
        dl.definitions{margin:0}dl.definitions dt{font-weight:600;margin-top:.45rem}dl.definitions dd{margin:0 0 0 0;color:var(--ink)}
        svg.intervals{max-width:640px}svg .interval-label{font-size:10px}svg .interval-label.emphasis{font-weight:700}
        svg .ci{stroke-width:3;stroke-linecap:round}svg .ci.emphasis{stroke-width:5}
        svg .ci-positive{stroke:#2e8b4a}svg .ci-negative{stroke:#c0392b}svg .ci-neutral{stroke:#98a2ad}
        svg .estimate{fill:var(--ink)}svg .zero{stroke:var(--ink);stroke-width:1;stroke-dasharray:3 3}svg .gap-label{font-size:10px;fill:var(--muted)}
        thead th:first-child{text-align:left;left:0;z-index:1}
        tbody th small,tfoot th small{display:block;font-weight:400}
        th button{all:unset;cursor:pointer}
        th button:focus-visible{outline:2px solid var(--treatment)}
        th[aria-sort=descending] button::after{content:" \\25BC"}th[aria-sort=ascending] button::after{content:" \\25B2"}
        table.facts{width:100%;max-width:680px}
        table.facts th{position:static;white-space:normal;max-width:none;overflow:visible}
        table.facts td{text-align:right;white-space:normal;overflow-wrap:anywhere}
        thead th{white-space:normal;vertical-align:bottom;min-width:4.5em}
        .campaign-table tbody th,.campaign-table tfoot th{white-space:normal;max-width:11em}
        table.attribution{width:100%}
        .campaign-table th a{white-space:nowrap}
        details{margin-top:8px}summary{cursor:pointer;color:var(--treatment)}
        .empty{color:var(--muted);font-style:italic}
        @media (min-width:700px){tbody th{min-width:11em}}
        @media (max-width:480px){body{font-size:14px}header.page,main{padding:8px}.block{padding:10px}.card-value{font-size:1.3rem}tbody th,tfoot th{max-width:8.5em}}
        """
}
