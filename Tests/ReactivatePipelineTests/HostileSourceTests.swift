import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// A corpus of hostile source rows: each is used correctly or excluded and counted, never a crash and
/// never a silently wrong number.
@Suite struct HostileSourceTests {
    static func prepare() throws -> PipelineFixture {
        let fixture = try PipelineFixture(members: 0)
        let connection = try fixture.database.connect()
        try connection.execute("""
            TRUNCATE src.stores, src.members, src.transactions, src.member_channels, src.member_locations;
            INSERT INTO src.stores VALUES
              (1, 'Lotus 上海 #1 "旗舰" <b>&amp;</b> 🛒', 31.2304, 121.4737, NULL, NULL),
              (2, 'NaN store', 'NaN', 'NaN', NULL, NULL),
              (3, 'Infinite', 'Infinity', '-Infinity', NULL, NULL),
              (4, 'Out of range', 123.0, 500.0, NULL, NULL),
              (5, 'Null island', 0, 0, NULL, NULL),
              (6, 'Closed', 31.2310, 121.4740, '2020-01-01', '2026-10-31'),
              (7, 'Not yet open', 31.2310, 121.4740, '2026-11-01', NULL),
              (8, 'عربي RTL ‮txet', 31.2320, 121.4750, '2019-01-01', NULL);
            INSERT INTO src.members
            SELECT id, '2024-01-01 10:00+08', 1, true, NULL FROM generate_series(1, 40) id;
            INSERT INTO src.members VALUES (41, '2026-10-31 23:59:59+08', NULL, true, NULL), (42, '2026-11-01 00:00+08', NULL, true, NULL);
            -- Two repeat purchases a year ago for members 1-40 (dormant on D), some with odd amounts.
            INSERT INTO src.transactions
            SELECT id * 10 + k, id, 999, timestamptz '2025-06-01 12:00+08' + (k * 20 || ' days')::interval,
                   CASE WHEN id = 3 THEN 9999999999.99 WHEN id = 4 AND k = 1 THEN 0 WHEN id = 5 THEN -50 ELSE 88.80 END, NULL
            FROM generate_series(1, 40) id, generate_series(0, 2) k;
            INSERT INTO src.transactions VALUES
              (100001, 6, 1, '2027-01-01 10:00+08', 500, NULL),           -- in the future: never counted
              (100002, 7, 1, '2023-01-01 10:00+08', 10, NULL),            -- before the member joined: still a purchase
              (100003, 99999, 1, '2025-01-01 10:00+08', 10, NULL),        -- unknown member: counted apart
              (100004, 8, 1, '2026-10-31 23:59:59.999999+08', 1, NULL),   -- last microsecond before D: counts
              (100005, 9, 1, '2026-11-01 00:00:00+08', 1, NULL);          -- first microsecond of D: does not
            INSERT INTO src.member_channels SELECT id, 'wechat_card', '2024-02-01+08', '2026-10-01+08', NULL FROM generate_series(1, 40) id;
            INSERT INTO src.member_locations VALUES
              (10, 'NaN', 121.47, '2026-10-20+08', 'lbs'),
              (11, 31.23, 'Infinity', '2026-10-20+08', 'lbs'),
              (12, 95.0, 121.47, '2026-10-20+08', 'lbs'),
              (13, 0, 0, '2026-10-20+08', 'lbs'),
              (14, 31.2305, 121.4738, '2026-10-20+08', 'lbs');
            INSERT INTO src.member_locations SELECT id, 31.2305, 121.4738, '2026-10-20+08', 'lbs' FROM generate_series(15, 40) id;
            """)
        return fixture
    }

    @Test func hostileRowsAreUsedCorrectlyOrExcludedAndCounted() throws {
        let fixture = try Self.prepare()
        defer { fixture.cleanUp() }
        let config = fixture.config("hostile") { $0.holdoutFraction = 0.5 }
        let outcome = try fixture.run(config, stages: [.extract, .score, .target])
        let extract = try #require(outcome.reports.first?.result)
        #expect(extract.rowsOut == 41)  // member 42 joins at D: invisible
        #expect(extract.stats["transactions_of_unknown_members"] == 1)
        let (histories, _) = try MemberHistories.read(path: try #require(extract.artifactPath))
        let index = { (id: Int64) in histories.memberId.firstIndex(of: id) ?? -1 }
        #expect(histories.grossCents[index(3)] == 3 * 999_999_999_999)
        #expect(histories.purchaseDays[index(4)] == 2)  // a zero amount is not a purchase
        #expect(histories.purchaseDays[index(5)] == 0)  // only refunds: never activated
        #expect(histories.purchaseDays[index(6)] == 3)  // the future transaction is invisible
        #expect(histories.firstPurchaseDay[index(7)] == PostgresEpoch.parseDate("2023-01-01"))
        #expect(histories.lastPurchaseDay[index(8)] == PostgresEpoch.parseDate("2026-10-31"))
        #expect(histories.purchaseDays[index(9)] == 3)
        let target = try #require(outcome.reports.last?.result)
        guard case .object(let exclusions)? = target.stats["exclusions"] else { Issue.record("no exclusions"); return }
        #expect(exclusions["invalid_location_non_finite"] == 2)
        #expect(exclusions["invalid_location_latitude_out_of_range"] == 1)
        #expect(exclusions["invalid_location_null_island"] == 1)
        #expect(exclusions["stores_invalid_location"] == 4)
        #expect(target.stats["open_stores"] == 3)  // 1, 8 and 7 (opens on D: open); 6 closed before D
        let connection = try fixture.database.connect()
        let targets = try connection.query("SELECT count(*), count(DISTINCT store_id) FROM reactivation.targets WHERE campaign = 'hostile'").rows.first
        #expect(targets?[0] != "0")
        // Store names with any Unicode round-trip into reports unchanged (escaped in HTML).
        let names = try connection.query("SELECT name FROM src.stores WHERE store_id = 1").scalar ?? ""
        #expect(names.contains("上海") && names.contains("🛒"))
    }

    @Test func duplicateMembersThroughACarelessViewAreCountedOnce() throws {
        let fixture = try Self.prepare()
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        try connection.execute("""
            CREATE SCHEMA careless;
            CREATE VIEW careless.stores AS SELECT * FROM src.stores;
            CREATE VIEW careless.members AS SELECT * FROM src.members UNION ALL SELECT * FROM src.members WHERE member_id <= 10;
            CREATE VIEW careless.member_locations AS SELECT * FROM src.member_locations;
            CREATE VIEW careless.member_channels AS SELECT * FROM src.member_channels;
            CREATE VIEW careless.transactions AS SELECT * FROM src.transactions;
            """)
        let config = fixture.config("careless") { $0.sourceSchema = "careless" }
        // A live run's data tests refuse the view, naming it; a backfill (no data tests) still counts each member once.
        do {
            try fixture.run(config, stages: [.extract, .score])
            Issue.record("a members view that duplicates members passed the data tests")
        } catch let failure as StageFailure {
            let error = failure.underlying as? PipelineError
            #expect(failure.stage == .extract && error?.category == .configuration, "\(failure)")
            #expect(error?.description.contains("member_id") == true, "\(failure)")
        }
        let outcome = try fixture.run(config, stages: [.extract, .score], mode: .backfill)
        #expect(outcome.reports.first?.result?.rowsOut == 41)
        // 40 buyers' members, less member 5 (refunds only) and member 8 (bought the day before D).
        #expect(outcome.reports.last?.result?.stats["dormant"] == 38)
    }

    @Test func emptySourceTablesRunThroughWithNothingToDo() throws {
        let fixture = try PipelineFixture(members: 0)
        defer { fixture.cleanUp() }
        // Live, an empty feed fails the freshness test; a dry run warns and runs every stage through.
        let refused = #expect(throws: StageFailure.self) { try fixture.run(fixture.config("empty")) }
        #expect((refused?.underlying as? PipelineError)?.description.contains("transactions") == true, "\(String(describing: refused))")
        let outcome = try fixture.run(fixture.config("empty"), stages: [.extract, .score, .target, .issue, .attribute], mode: .dryRun)
        #expect(outcome.reports.count == 5)
        #expect(outcome.reports.allSatisfy { ($0.result?.rowsOut ?? 0) == 0 })
    }
}
