import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The data tests on the mapped source, against the broken mappings a new user actually wrote:
/// each is an error naming the view, column, examples and fix; a clean source passes.
@Suite struct SourceCheckTests {
    /// Generated members behind a schema `crm` of views over `src`, one of them replaced.
    static func mapped(_ overrides: [String: String] = [:], members: Int = 1500) throws -> (PipelineFixture, Connection) {
        let fixture = try PipelineFixture(members: members, stores: 30)
        let connection = try fixture.database.connect()
        try views(connection, schema: "crm", overrides)
        return (fixture, connection)
    }

    /// A schema of views over `src`, the relations in `overrides` mapped by their query instead.
    static func views(_ connection: Connection, schema: String, _ overrides: [String: String]) throws {
        var sql = "CREATE SCHEMA \(schema);\n"
        for relation in ["stores", "members", "member_locations", "member_channels", "transactions"] {
            sql += "CREATE VIEW \(schema).\(relation) AS \(overrides[relation] ?? "SELECT * FROM src.\(relation)");\n"
        }
        try connection.execute(sql)
    }

    static func config(_ fixture: PipelineFixture, schema: String = "crm") -> PipelineConfig {
        fixture.config("checks") { $0.sourceSchema = schema }
    }

    /// The run plan a run of `mode` as of `asOf` resolves: the checks judge freshness at its cut-off.
    static func plan(
        _ connection: Connection, _ config: PipelineConfig, asOf: String = PipelineFixture.asOf, mode: RunMode = .live
    ) throws -> RunPlan {
        let day = try #require(CalendarDay(parsing: asOf))
        return try RunPlan.resolve(
            PipelineRunner.Request(config: config, configText: "", asOf: .day(day), mode: mode, stages: [.extract]), connection: connection)
    }

    static func findings(
        _ connection: Connection, _ config: PipelineConfig, asOf: String = PipelineFixture.asOf,
        mode: RunMode = .live, options: SourceCheckOptions = SourceCheckOptions()
    ) throws -> SourceCheckReport {
        try SourceChecks.inspect(connection, plan: plan(connection, config, asOf: asOf, mode: mode), options: options)
    }

    @Test func aCleanSourceMappedThroughViewsPassesEveryTest() throws {
        let (fixture, connection) = try Self.mapped()
        defer { fixture.cleanUp() }
        let report = try SourceChecks.run(connection, plan: Self.plan(connection, Self.config(fixture)))
        #expect(report.errors.isEmpty)
        // Views carry no unique index, so uniqueness is tested by scanning, not assumed.
        #expect(report.checked.contains("unique(members.member_id)"))
        #expect(report.checked.contains("unique(member_channels.member_id, channel)"))
        #expect(report.checked.contains("freshness(transactions.occurred_at)"))
        #expect(report.cutoff == "2026-11-01 00:00 Asia/Shanghai")
    }

    @Test func theContractTablesNeedNoScanForUniquenessTheirKeysGuaranteeIt() throws {
        let (fixture, connection) = try Self.mapped()
        defer { fixture.cleanUp() }
        let report = try Self.findings(connection, Self.config(fixture, schema: "src"))
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.skipped.contains { $0.hasPrefix("unique(members.member_id)") })
        #expect(report.skipped.contains { $0.hasPrefix("unique(member_channels.member_id, channel)") })
    }

    @Test func upperCaseChannelValuesAreAnErrorListingTheValuesTheirCountsAndLower() throws {
        let (fixture, connection) = try Self.mapped([
            "member_channels": "SELECT member_id, upper(channel) AS channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels"
        ])
        defer { fixture.cleanUp() }
        let smsRows = try connection.query("SELECT count(*) FROM src.member_channels WHERE channel = 'sms'").scalar ?? ""
        let report = try Self.findings(connection, Self.config(fixture))
        let finding = try #require(report.errors.first { $0.check == "accepted_values" })
        #expect(finding.relation == "crm.member_channels" && finding.column == "channel")
        #expect(finding.examples.contains("'SMS' (\(smsRows) rows)"))
        #expect(finding.fix.contains("lower(channel) AS channel"))
        #expect(throws: PipelineError.self) {
            try SourceChecks.run(connection, plan: Self.plan(connection, Self.config(fixture)))
        }
        do {
            _ = try SourceChecks.run(connection, plan: Self.plan(connection, Self.config(fixture)))
        } catch let error as PipelineError {
            #expect(error.category == .configuration)
            #expect(error.description.contains("crm.member_channels.channel"))
            #expect(error.description.contains("'WECHAT_CARD'"))
        }
    }

    @Test func channelNamesThatAreNotLowerCaseContractNamesGetAMappingFix() throws {
        let (fixture, connection) = try Self.mapped([
            "member_channels": "SELECT member_id, CASE channel WHEN 'sms' THEN 'text message' ELSE channel END AS channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels"
        ])
        defer { fixture.cleanUp() }
        let finding = try #require(try Self.findings(connection, Self.config(fixture)).errors.first { $0.check == "accepted_values" })
        #expect(finding.examples.first?.hasPrefix("'text message'") == true)
        #expect(finding.fix.contains("CASE channel"))
    }

    @Test func swappedLatitudeAndLongitudeInTheStoresViewIsNamedAsASwap() throws {
        let (fixture, connection) = try Self.mapped([
            "stores": "SELECT store_id, name, longitude AS latitude, latitude AS longitude, opened_on, closed_on FROM src.stores"
        ])
        defer { fixture.cleanUp() }
        let report = try Self.findings(connection, Self.config(fixture))
        let finding = try #require(report.errors.first { $0.check == "lat_lng_swap" })
        #expect(finding.relation == "crm.stores" && finding.column == "latitude, longitude")
        #expect(finding.count == 30)
        #expect(finding.message.contains("swapped"))
        #expect(finding.examples.count == 3)
        #expect(!report.errors.contains { $0.relation == "crm.member_locations" })
    }

    @Test func aFewBadCoordinatesAreAWarningCountedPerTable() throws {
        let (fixture, connection) = try Self.mapped()
        defer { fixture.cleanUp() }
        try connection.execute("""
            UPDATE src.stores SET latitude = 0, longitude = 0 WHERE store_id IN (SELECT store_id FROM src.stores ORDER BY store_id LIMIT 2);
            UPDATE src.stores SET latitude = 95 WHERE store_id = (SELECT max(store_id) FROM src.stores);
            """)
        let report = try Self.findings(connection, Self.config(fixture))
        let stores = try #require(report.findings.first { $0.relation == "crm.stores" })
        #expect(stores.severity == .warning && stores.check == "coordinates")
        #expect(stores.count == 3)
        #expect(stores.message.contains("1 out of range") && stores.message.contains("2 at the (0, 0) placeholder"))
        #expect(report.errors.isEmpty)
    }

    /// The generated retailer's median basket is about 130 yuan, so its band is set to 1–2,000 yuan: the
    /// default upper end (20,000) only catches cents when the median basket is above 200 yuan.
    static func grocer(_ fixture: PipelineFixture) -> PipelineConfig {
        var config = Self.config(fixture)
        config.medianBasketBandCents = 100...200_000
        return config
    }

    @Test func amountsInCentsPutTheMedianBasketOutsideTheBand() throws {
        let (fixture, connection) = try Self.mapped([
            "transactions": "SELECT txn_id, member_id, store_id, occurred_at, (amount * 100)::numeric AS amount, coupon_code FROM src.transactions"
        ])
        defer { fixture.cleanUp() }
        #expect(try Self.findings(connection, Self.grocer(fixture)).errors.count == 1)
        let report = try Self.findings(connection, Self.grocer(fixture))
        let finding = try #require(report.errors.first { $0.check == "basket_band" })
        #expect(finding.relation == "crm.transactions" && finding.column == "amount")
        #expect(finding.message.contains("amounts may be in cents"))
        #expect(finding.fix.contains("/ 100"))
        // A band that fits the currency accepts the same amounts.
        var wide = Self.config(fixture)
        wide.medianBasketBandCents = 100...10_000_000
        #expect(try Self.findings(connection, wide).errors.isEmpty)
    }

    @Test func aMembersViewThatDuplicatesMembersIsAnErrorWithTheWorstExamples() throws {
        let (fixture, connection) = try Self.mapped([
            "members": "SELECT m.* FROM src.members m JOIN src.member_channels c USING (member_id)"
        ])
        defer { fixture.cleanUp() }
        let expected = try connection.query(
            "SELECT count(*) FROM (SELECT member_id FROM src.member_channels GROUP BY member_id HAVING count(*) > 1) d").scalar
        let report = try Self.findings(connection, Self.config(fixture))
        let finding = try #require(report.errors.first { $0.check == "unique" && $0.relation == "crm.members" })
        #expect(finding.column == "member_id")
        #expect("\(finding.count)" == expected)
        #expect(finding.examples.count == 5 && finding.examples[0].contains("rows)"))
        #expect(finding.fix.contains("one row per member"))
    }

    @Test func duplicatedMemberChannelPairsAreAnError() throws {
        let (fixture, connection) = try Self.mapped([
            "member_channels": "SELECT * FROM src.member_channels UNION ALL SELECT * FROM src.member_channels WHERE member_id % 10 = 0"
        ])
        defer { fixture.cleanUp() }
        let expected = try connection.query("SELECT count(*) FROM src.member_channels WHERE member_id % 10 = 0").scalar
        let finding = try #require(try Self.findings(connection, Self.config(fixture)).errors.first { $0.check == "unique" })
        #expect(finding.relation == "crm.member_channels" && finding.column == "member_id, channel")
        #expect("\(finding.count)" == expected)
    }

    /// The run's extract checks the pairs on its own channel stream (a bit per member and channel, the
    /// repeats and the ids without a member kept); `validate` keeps every row's id. Both must agree.
    @Test func theExtractsChannelStreamFindsTheSameRepeatedPairsAsTheTestsOwnStream() throws {
        let shifted = "member_id + 100000000, channel, verified_at, last_delivered_at, last_failed_at"
        let (fixture, connection) = try Self.mapped([
            "member_channels": """
                SELECT * FROM src.member_channels
                UNION ALL SELECT * FROM src.member_channels WHERE member_id % 10 = 0
                UNION ALL SELECT * FROM src.member_channels WHERE member_id % 30 = 0
                UNION ALL SELECT \(shifted) FROM src.member_channels WHERE member_id % 7 = 0
                UNION ALL SELECT \(shifted) FROM src.member_channels WHERE member_id % 14 = 0
                """
        ])
        defer { fixture.cleanUp() }
        let expected = try connection.query(
            "SELECT count(*) FROM (SELECT member_id, channel FROM crm.member_channels GROUP BY 1, 2 HAVING count(*) > 1) d").scalar
        let own = try #require(try Self.findings(connection, Self.config(fixture)).errors.first { $0.check == "unique" })
        #expect("\(own.count)" == expected)
        #expect(own.examples.first?.hasSuffix("(3 rows)") == true)
        do {
            try fixture.run(Self.config(fixture), stages: [.extract])
            Issue.record("an extract over repeated (member, channel) pairs passed its data tests")
        } catch {
            let message = "\(error)"
            #expect(message.contains("\(own.count) (member, channel) pair(s)"), "\(message)")
            for example in own.examples { #expect(message.contains(example), "\(example) in \(message)") }
        }
    }

    @Test func staleTransactionsFailALiveRunNamingTheLatestTransactionAndWarnADryRun() throws {
        let (fixture, connection) = try Self.mapped()
        defer { fixture.cleanUp() }
        let latest = try connection.query(
            "SELECT to_char(max(occurred_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM src.transactions WHERE occurred_at < '2026-11-20 00:00+08'").scalar ?? "?"
        let live = try Self.findings(connection, Self.config(fixture), asOf: "2026-11-20")
        let finding = try #require(live.errors.first { $0.check == "freshness" })
        #expect(finding.relation == "crm.transactions" && finding.column == "occurred_at")
        #expect(finding.message.contains(latest))
        #expect(finding.message.contains("2026-11-20 00:00 Asia/Shanghai"))
        #expect(finding.fix.hasPrefix("the feed is late; re-run when it has caught up"))
        let dry = try Self.findings(connection, Self.config(fixture), asOf: "2026-11-20", mode: .dryRun)
        #expect(dry.warnings.contains { $0.check == "freshness" } && dry.errors.isEmpty)
        let backfill = try Self.findings(connection, Self.config(fixture), asOf: "2026-11-20", mode: .backfill)
        #expect(!backfill.findings.contains { $0.check == "freshness" })
        #expect(backfill.skipped.contains { $0.hasPrefix("freshness") })
        // A lag the config allows is no finding.
        var patient = Self.config(fixture)
        patient.maxLagDays = 30
        #expect(try Self.findings(connection, patient, asOf: "2026-11-20").findings.allSatisfy { $0.check != "freshness" })
    }

    @Test func freshnessReadsTheWholeTableWhenItsNewestBlocksHoldOnlyOldRows() throws {
        let fixture = try PipelineFixture(members: 0)
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        try connection.execute("""
            CREATE SCHEMA late;
            CREATE TABLE late.stores AS SELECT * FROM src.stores;
            CREATE TABLE late.members AS SELECT * FROM src.members;
            CREATE TABLE late.member_locations AS SELECT * FROM src.member_locations;
            CREATE TABLE late.member_channels AS SELECT * FROM src.member_channels;
            CREATE TABLE late.transactions (LIKE src.transactions);
            INSERT INTO late.members VALUES (1, '2024-01-01+08', NULL, true, NULL);
            INSERT INTO late.transactions VALUES (1, 1, 1, '2026-10-31 18:00+08', 88.00, NULL);
            INSERT INTO late.transactions SELECT i + 1, 1, 1, '2025-01-01+08', 88.00, NULL FROM generate_series(1, 20000) i;
            """)
        var options = SourceCheckOptions()
        options.tailBlocks = 4
        let config = fixture.config("late") { $0.sourceSchema = "late" }
        #expect(try Self.findings(connection, config, options: options).findings.allSatisfy { $0.check != "freshness" })
        try connection.execute("DELETE FROM late.transactions WHERE txn_id = 1")
        let finding = try #require(try Self.findings(connection, config, options: options).errors.first { $0.check == "freshness" })
        #expect(finding.message.contains("2025-01-01 00:00:00"))
    }

    @Test func transactionsOfUnknownMembersAreCountedAWarningWhenFewAnErrorWhenTheKeysDiffer() throws {
        let (fixture, connection) = try Self.mapped()
        defer { fixture.cleanUp() }
        try connection.execute("INSERT INTO src.transactions VALUES (900000001, 987654321, 1, '2026-10-30 10:00+08', 50, NULL), (900000002, 987654322, 1, '2026-10-30 11:00+08', 60, NULL)")
        let few = try #require(try Self.findings(connection, Self.config(fixture)).findings.first { $0.check == "relationships" })
        #expect(few.severity == .warning && few.count == 2)
        #expect(few.examples == ["member_id 987654321", "member_id 987654322"])
        try connection.execute("CREATE OR REPLACE VIEW crm.members AS SELECT member_id + 1000000 AS member_id, joined_at, home_store_id, marketing_consent, opted_out_at FROM src.members")
        let many = try #require(try Self.findings(connection, Self.config(fixture)).findings.first { $0.check == "relationships" })
        #expect(many.severity == .error)
    }

    @Test func sampledTestsSayHowManyRowsTheyRead() throws {
        let (fixture, connection) = try Self.mapped([
            "transactions": "SELECT txn_id, member_id, store_id, occurred_at, (amount * 100)::numeric AS amount, coupon_code FROM src.transactions"
        ])
        defer { fixture.cleanUp() }
        var options = SourceCheckOptions()
        options.sampleRows = 1000
        let finding = try #require(try Self.findings(connection, Self.grocer(fixture), options: options).errors.first { $0.check == "basket_band" })
        #expect(finding.sampled == 1000)
        options.sampleBlocks = 2
        try connection.execute("UPDATE src.member_locations SET latitude = 0, longitude = 0 WHERE member_id % 3 = 0")
        var table = Self.grocer(fixture)
        table.sourceSchema = "src"
        let sampled = try Self.findings(connection, table, options: options)
        #expect(sampled.errors.isEmpty)
        let locations = try #require(sampled.findings.first { $0.relation == "src.member_locations" })
        let all = try connection.query("SELECT count(*) FROM src.member_locations").scalar.flatMap { Int64($0) } ?? 0
        #expect(locations.sampled.map { $0 > 0 && $0 < all } == true)
    }
}
