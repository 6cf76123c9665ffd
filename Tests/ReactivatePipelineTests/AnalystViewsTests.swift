import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateReports
import ReactivateTestSupport
import Testing

/// What analysts read: documented views and result tables, and a report whose numbers are the stored ones.
@Suite struct AnalystViewsTests {
    @Test func everyColumnOfEveryAnalystViewAndResultTableHasAComment() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try Migrator(directory: projectRoot.appendingPathComponent("sql/migrations")).migrate(connection, logger: Logger(label: "test"))
        let relations = try connection.query(
            """
            SELECT c.relname, c.relkind::text, obj_description(c.oid, 'pg_class') IS NOT NULL
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'reactivation'
              AND (c.relkind = 'v' OR c.relname IN ('attribution', 'attribution_daily', 'waves'))
            ORDER BY c.relname
            """).rows
        let views = relations.filter { $0[1] == "v" }.compactMap { $0[0] }
        #expect(Set(views).isSuperset(of: ["latest_complete_attribution", "wave_summary", "store_attribution", "segment_attribution"]))
        #expect(relations.count == views.count + 3)
        for relation in relations { #expect(relation[2] == "t", "\(relation[0] ?? "?") has no comment") }
        let missing = try connection.query(
            """
            SELECT c.relname || '.' || a.attname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = 'reactivation' AND (c.relkind = 'v' OR c.relname IN ('attribution', 'attribution_daily', 'waves'))
              AND coalesce(col_description(c.oid, a.attnum), '') = ''
            ORDER BY 1
            """).rows.compactMap { $0[0] }
        #expect(missing.isEmpty, "columns without a comment: \(missing)")
        // Money columns say their unit.
        let money = try connection.query(
            """
            SELECT count(*) FILTER (WHERE col_description('reactivation.wave_summary'::regclass, attnum) LIKE '%yuan%'), count(*)
            FROM pg_attribute WHERE attrelid = 'reactivation.wave_summary'::regclass
              AND attname IN ('incremental_sales', 'ci_low', 'ci_high', 'coupon_cost', 'net_incremental_sales', 'incremental_profit')
            """).rows.first
        #expect(money?[0] == money?[1] && money?[1] == "6")
    }

    /// Two live waves, attributed together with a gross margin: the report's campaign table shows exactly the
    /// stored rows (each wave's and the all_waves roll-up), and the views carry names, levels and dates.
    @Test func theReportShowsTheNumbersOfTheAttributionRowsItComesFrom() throws {
        let fixture = try PipelineFixture(members: 5_000, seed: 31)
        defer { fixture.cleanUp() }
        let config = fixture.config("two-waves") { $0.grossMargin = 0.3 }
        try fixture.run(config, stages: [.extract, .score, .target, .issue], asOf: "2026-10-01", issueAt: "2026-10-01T10:00:00+08:00")
        try fixture.run(config, stages: [.extract, .score, .target, .issue])
        _ = try fixture.simulate("two-waves", uplift: 0.2)
        try fixture.run(config, stages: [.attribute], asOf: "2026-11-13")
        let connection = try fixture.database.connect()

        let stored = try connection.query(
            """
            SELECT CASE WHEN key = 'all_waves' THEN key ELSE as_of::text END, incremental_sales, ci_low, ci_high,
                   net_incremental_sales, net_ci_low, net_ci_high, incremental_profit, profit_ci_low, profit_ci_high,
                   coupon_cost, reactivation_lift, return_per_cost, ci_level, gross_margin
            FROM reactivation.attribution
            WHERE campaign = 'two-waves' AND level = 'campaign' AND mode = 'live' AND observed_through = '2026-11-13'
            ORDER BY 1
            """).rows
        #expect(stored.map { $0[0] } == ["2026-10-01", "2026-11-01", "all_waves"])

        let report = try ReportLoader(connection: connection, config: config).load(wave: nil)
        #expect(report.waves.map(\.wave) == ["2026-10-01", "2026-11-01"])
        #expect(report.rollup?.waves == 2)
        let html = ReportRenderer.html(report)
        let table = try #require(html.range(of: "id=\"campaign-table\"").flatMap { start in
            html.range(of: "</table>", range: start.upperBound..<html.endIndex).map { String(html[start.lowerBound..<$0.upperBound]) }
        })
        func cells(_ wave: String) throws -> [String: (v: String?, low: String?, high: String?)] {
            let row = try #require(table.firstMatch(of: try Regex("<tr data-wave=\"\(wave)\">(.*?)</tr>")).map { String($0.output[1].substring ?? "") })
            var result: [String: (v: String?, low: String?, high: String?)] = [:]
            for match in row.matches(of: try Regex(#"<td data-metric="(\w+)" data-v="([^"]*)"(?: data-low="([^"]*)" data-high="([^"]*)")?"#)) {
                let parts = (1...4).map { match.output[$0].substring.map(String.init) }
                result[parts[0] ?? ""] = (parts[1], parts[2], parts[3])
            }
            return result
        }
        /// The page carries 6 decimals; the table's float8 and numeric values must agree to that.
        func same(_ shown: String?, _ table: String?, _ what: String) {
            guard let table, let value = Double(table) else {
                #expect(shown == nil || shown == "", "\(what): table has none, page shows \(shown ?? "")")
                return
            }
            #expect(abs((shown.flatMap(Double.init) ?? .nan) - value) <= 1e-6 * max(1, abs(value)), "\(what): page \(shown ?? "nil"), table \(value)")
        }
        for row in stored {
            let wave = row[0] ?? ""
            let shown = try cells(wave)
            // (metric, which value of its cell, stored column index)
            let checks: [(String, KeyPath<(v: String?, low: String?, high: String?), String?>, Int)] = [
                ("incremental_sales", \.v, 1), ("incremental_sales", \.low, 2), ("incremental_sales", \.high, 3),
                ("net_incremental_sales", \.v, 4), ("net_incremental_sales", \.low, 5), ("net_incremental_sales", \.high, 6),
                ("incremental_profit", \.v, 7), ("incremental_profit", \.low, 8), ("incremental_profit", \.high, 9),
                ("coupon_cost", \.v, 10), ("reactivation_lift", \.v, 11), ("return_per_cost", \.v, 12),
            ]
            for (metric, part, column) in checks {
                same(shown[metric].flatMap { $0[keyPath: part] }, row[column], "\(wave) \(metric) (column \(column))")
            }
            #expect(row[13] == "0.95" && row[14] == "0.3")
            // Profit is margin × incremental sales − coupon cost, and its interval the sales interval likewise.
            if let sales = row[1].flatMap(Double.init), let cost = row[10].flatMap(Double.init), let profit = row[7].flatMap(Double.init) {
                #expect(abs(profit - (0.3 * sales - cost)) < 1e-6 * max(1, abs(profit)))
            } else {
                Issue.record("\(wave): no estimate to check the profit against")
            }
        }

        // Store rows carry the source's store name; views name the wave as_of and say through when.
        let unnamed = try connection.query(
            """
            SELECT count(*) FROM reactivation.attribution a JOIN src.stores s ON s.store_id::text = a.key
            WHERE a.campaign = 'two-waves' AND a.level = 'store' AND a.store_name IS DISTINCT FROM s.name
            """).scalar
        #expect(unnamed == "0")
        let views = try connection.query(
            """
            SELECT (SELECT count(*) FROM reactivation.store_attribution WHERE campaign = 'two-waves' AND store_name IS NOT NULL AND ci_level = 0.95),
                   (SELECT count(*) FROM reactivation.segment_attribution WHERE campaign = 'two-waves'),
                   (SELECT string_agg(as_of::text || '=' || wave::text || '@' || observed_through::text, ',' ORDER BY as_of)
                    FROM reactivation.wave_summary WHERE campaign = 'two-waves')
            """).rows.first
        #expect((views?[0].flatMap { Int($0) } ?? 0) > 0)
        #expect((views?[1].flatMap { Int($0) } ?? 0) > 0)
        #expect(views?[2] == "2026-10-01=2026-10-01@2026-11-13,2026-11-01=2026-11-01@2026-11-13")
        // The issuing runs' parameters and the control arm's contamination reach the report.
        #expect(report.waves.first?.parameters?.radiusMeters == 3000)
        #expect(report.waves.first?.parameters?.fromCurrentConfig == false)
        #expect(report.waves.last?.diagnostics?.controlMembers == report.waves.last?.headline.nControl)
        #expect(report.waves.first?.issuedAt == "2026-10-01T10:00:00+08:00")
    }
}
