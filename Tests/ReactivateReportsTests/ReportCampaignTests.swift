import Foundation
@testable import ReactivateReports
import Testing

/// The analyst's campaign view (issue 14): every wave at a glance, profit on margin, definitions and
/// parameters, uncertainty where decisions are made, stores that fit the screen, diagnostics.
@Suite struct ReportCampaignTests {
    let data = ReportFixture.campaign()
    var html: String { ReportRenderer.html(data) }

    /// The text of the first element with this id, up to its closing tag.
    func element(_ html: String, id: String, tag: String) throws -> String {
        let start = try #require(html.range(of: "id=\"\(id)\""), "no element with id \(id)")
        let end = try #require(html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test func theCampaignTableComesFirstWithWavesNewestFirstAndTheRollUpLast() throws {
        let html = self.html
        let campaign = try #require(html.range(of: "<section class=\"campaign\" id=\"campaign\">"))
        let firstWave = try #require(html.range(of: "<section class=\"wave\""))
        #expect(campaign.lowerBound < firstWave.lowerBound)
        let table = try element(html, id: "campaign-table", tag: "table")
        let order = ["data-wave=\"2026-11-01\"", "data-wave=\"2026-10-01\"", "<tfoot><tr data-wave=\"all_waves\""]
            .map { table.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        #expect(table.contains("All 2 waves<small>through 2026-11-01, some windows open</small>"))
        #expect(table.contains("open, day 12 of 30"))
        // The chart of incremental sales per wave, with the roll-up drawn bold.
        let section = String(html[campaign.lowerBound..<firstWave.lowerBound])
        #expect(section.contains("<svg class=\"chart intervals\""))
        #expect(section.contains("class=\"interval-label emphasis\""))
        #expect(section.contains("The whole campaign so far (2 waves"))
    }

    @Test func amountsAreRoundedToWhatTheirIntervalSupports() {
        // ±77,778 around 123,456.78: two significant digits of the half-width, so thousands.
        #expect(ReportNumber.roundingStep(low: 45_678.9, high: 201_234.56) == 1_000)
        #expect(ReportNumber.roundingStep(low: 214_652, high: 307_259) == 1_000)
        #expect(ReportNumber.roundingStep(low: 10, high: 12) == 0.1)
        #expect(ReportNumber.roundingStep(low: 5, high: 5.001) == 0.01)
        #expect(ReportNumber.roundingStep(low: nil, high: 3) == nil)
        #expect(ReportNumber.yuan(260_955.4, step: 1_000) == "¥261,000")
        #expect(ReportNumber.yuan(-8_049, step: 100) == "-¥8,000")
        #expect(ReportNumber.yuan(12.345, step: nil) == "¥12.35")
        let html = self.html
        #expect(html.contains("<div class=\"card-value\" title=\"exactly ¥123,456.78\">¥123,000</div>"))
        #expect(html.contains("<span title=\"exactly ¥45,678.90 to ¥201,234.56\">95% CI ¥46,000 to ¥201,000</span>"))
    }

    @Test func headlineCardsCarryTheWavesPowerVerdict() throws {
        let html = self.html
        let waves = html.components(separatedBy: "<section class=\"wave\"")
        try #require(waves.count == 3)
        // The complete wave was planned for +1.00 pp but can only detect +1.67 pp.
        let complete = try element(waves[1], id: "wave-1-headline", tag: "section")
        #expect(complete.contains("<div class=\"power-note underpowered\">Underpowered: detects only +1.67 pp or more; planned for +1.00 pp.</div>"))
        #expect(complete.contains("<div class=\"power-note underpowered\">Underpowered design: detects incremental sales of ¥98,400 or more"))
        let open = try element(waves[2], id: "wave-2-headline", tag: "section")
        #expect(open.contains("<div class=\"power-note\">Powered for the planned +1.00 pp (detects +0.93 pp or more).</div>"))
        #expect(!open.contains("underpowered"))
    }

    @Test func profitOnGrossMarginAndReturnPerYuanHaveIntervals() throws {
        let html = self.html
        let headline = try element(html, id: "wave-1-headline", tag: "section")
        #expect(headline.contains("<div class=\"card\" data-metric=\"profit\"><div class=\"card-title\">Incremental profit</div>"))
        // 0.25 × 123,456.78 − 24,691.35 = 6,172.85; interval 0.25 × [45,678.90, 201,234.56] − 24,691.35.
        #expect(headline.contains("title=\"exactly ¥6,172.85\""))
        #expect(headline.contains("exactly -¥13,271.62 to ¥25,617.29"))
        #expect(headline.contains("25% gross margin × incremental sales − coupon cost"))
        // Return per coupon yuan 5.00 with the sales interval ÷ 24,691.35.
        #expect(headline.contains("95% CI 1.85 to 8.15<br>incremental sales ÷ coupon cost"))
        #expect(headline.contains("<span class=\"badge positive\">sales above coupon cost</span>"))
        // Without a margin there is no profit card: nothing is made up.
        #expect(!ReportRenderer.html(ReportFixture.sample()).contains("data-metric=\"profit\""))
    }

    @Test func definitionsAndParametersArePerWaveAndTimesAreInTheBusinessTimeZone() throws {
        let html = self.html
        let parameters = try element(html, id: "wave-2-parameters", tag: "section")
        for text in [
            "2026-11-01 09:00 Asia/Shanghai (UTC+08:00)", "2026-11-13 (outcomes before that day&#39;s midnight, Asia/Shanghai)",
            "180 days", "3,000 m", "¥20.00", "¥100.00", "10.0%", "Cooldown after another coupon",
        ] {
            #expect(parameters.contains(text), "parameters lack \(text)")
        }
        #expect(html.contains("generated 2026-12-02 09:30 Asia/Shanghai (UTC+08:00)"))
        #expect(!html.contains("T09:00:00"))
        let definitions = try element(html, id: "wave-1-definitions", tag: "section")
        for term in ["Reactivated", "Intention to treat", "CUPED", "Net incremental sales", "Incremental profit", "¥20.00 each"] {
            #expect(definitions.contains(term), "definitions lack \(term)")
        }
    }

    @Test func funnelStepsAndSegmentsReadAsWords() {
        let html = self.html
        #expect(html.contains(">Passes P(alive) and reachability thresholds</text>"))
        #expect(html.contains(">Not in the global holdout</text>"))
        #expect(!html.contains(">passes_thresholds<"))
        #expect(!html.contains(">not_in_global_holdout<"))
        #expect(ReportLabels.segment("dormant_12_24m") == "Dormant 12–24 months")
        #expect(ReportLabels.funnelStep("some_new_step") == "Some new step")
    }

    @Test func storesShowTheTopAndBottomFirstTheRestFoldedWithRedemptionRateAndTheMultiplicityCaveat() throws {
        let html = self.html
        let stores = try element(html, id: "wave-1-stores", tag: "section")
        // 113 estimable stores at 95%: about 5.7 would exclude zero by chance alone.
        #expect(stores.contains("With 113 store intervals at 95%, about 5.7 would exclude zero by chance"))
        let top = try #require(stores.range(of: "<h4>Top 10 stores by incremental sales</h4>"))
        let bottom = try #require(stores.range(of: "<h4>Bottom 10 stores</h4>"))
        let folded = try #require(stores.range(of: "<details class=\"all-stores\"><summary>All 114 stores (sortable)</summary>"))
        #expect(top.lowerBound < bottom.lowerBound && bottom.lowerBound < folded.lowerBound)
        let chart = try #require(stores.range(of: "<svg class=\"chart intervals\""))
        #expect(chart.lowerBound < top.lowerBound)
        #expect(stores.contains("… 94 stores in between …"))
        // The full table holds every store once; the top table's rows are its first ten.
        let full = String(stores[folded.upperBound...])
        #expect(full.components(separatedBy: "<tr><th scope=\"row\"").count - 1 == 114)
        #expect(stores.contains("Redeemed"))
        #expect(try Regex(#"<td data-v="0\.\d{6}" title="\d+ of [\d,]+ coupons redeemed, ¥[\d,.]+ face value">\d+\.\d%</td>"#).firstMatch(in: stores) != nil)
    }

    @Test func diagnosticsShowHoldoutBalanceAndContamination() throws {
        let html = self.html
        let complete = try element(html, id: "wave-1-diagnostics", tag: "section")
        #expect(complete.contains("27.41 on 29 degrees of freedom"))
        #expect(complete.contains("as balanced as a random split would be (p = 0.551)"))
        #expect(complete.contains("No control member received another campaign&#39;s coupon inside the window."))
        let open = try element(html, id: "wave-2-diagnostics", tag: "section")
        #expect(open.contains("38 control members (1.9% of 2,000) received another campaign&#39;s coupon inside the window; 4 redeemed it."))
    }

    @Test func businessTimesAreShownWithTheirZone() {
        #expect(ReportTime.display("2026-11-01T10:00:00+08:00", zone: "Asia/Shanghai") == "2026-11-01 10:00 Asia/Shanghai (UTC+08:00)")
        #expect(ReportTime.display("2026-03-29T01:30:00-04:00", zone: "America/New_York") == "2026-03-29 01:30 America/New_York (UTC-04:00)")
        #expect(ReportTime.display("2026-10-01T02:00:00Z", zone: nil) == "2026-10-01 02:00 UTC")
        #expect(ReportTime.display("not a time", zone: "Asia/Shanghai") == "not a time")
    }

    @Test func csvAndMarkdownCarryTheRollUpProfitAndReturnInterval() throws {
        let rows = ReportCSVReader.parse(ReportRenderer.csv(data))
        let header = try #require(rows.first)
        func value(_ row: [String], _ column: String) -> String? { header.firstIndex(of: column).map { row[$0] } }
        for (index, row) in rows.enumerated() { #expect(row.count == header.count, "row \(index) is ragged") }
        let rollup = try #require(rows.first { $0.first == "campaign" })
        #expect(value(rollup, "key") == "all_waves")
        #expect(value(rollup, "incremental_sales") == "167456.78")
        #expect(value(rollup, "wave") == "2026-11-01")
        let headline = try #require(rows.first { $0.first == "headline" })
        #expect(value(headline, "gross_margin") == "0.2500")
        #expect(value(headline, "incremental_profit") == "6172.85")
        #expect(value(headline, "return_ci_low") == "1.8500")
        #expect(value(headline, "ci_level") == "0.9500")
        #expect(value(headline, "observed_through") == "2026-12-02")
        #expect(value(headline, "coupons") == "9880")
        let markdown = ReportRenderer.markdown(data)
        let campaign = try #require(markdown.range(of: "## Campaign: every wave"))
        let newest = try #require(markdown.range(of: "| 2026-11-01 (open) | 7,880 |"))
        let oldest = try #require(markdown.range(of: "| 2026-10-01 | 9,880 |"))
        let all = try #require(markdown.range(of: "| All 2 waves |"))
        let firstWave = try #require(markdown.range(of: "## Wave 2026-10-01"))
        #expect(campaign.lowerBound < newest.lowerBound && newest.lowerBound < oldest.lowerBound)
        #expect(oldest.lowerBound < all.lowerBound && all.lowerBound < firstWave.lowerBound)
        #expect(markdown.contains("| Incremental profit (25% margin) | ¥6,172.85 | -¥13,271.62 to ¥25,617.29 |"))
        #expect(markdown.contains("| Return per coupon yuan | 5.00 | 1.85 to 8.15 |"))
        #expect(markdown.contains("Passes P(alive) and reachability thresholds"))
    }
}
