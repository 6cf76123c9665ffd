import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing
import ReactivateSimulation
import ReactivateDemo

@Suite struct SyntheticDataLoaderTests {
    static let asOf = PostgresEpoch.parseDate("2026-11-01") ?? 0

    static func load(_ database: TestDatabase, members: Int, seed: UInt64, replace: Bool = false) throws -> SyntheticDataLoader.Summary {
        let loader = SyntheticDataLoader(
            connectionString: database.connectionString, sqlDirectory: projectRoot.appendingPathComponent("sql"),
            logger: Logger(label: "test"))
        return try loader.load(SyntheticDataLoader.Options(
            simulation: SimulationConfig(members: members, stores: 40, seed: seed, asOfDay: asOf), replace: replace))
    }

    /// A digest of every source table's content, independent of physical row order.
    static func digest(_ connection: Connection) throws -> String {
        try connection.query("""
            SELECT md5(string_agg(t, '|')) FROM (
              (SELECT 's' || string_agg(s::text, ',' ORDER BY store_id) AS t FROM src.stores s)
              UNION ALL (SELECT 'm' || string_agg(m::text, ',' ORDER BY member_id) FROM src.members m)
              UNION ALL (SELECT 't' || string_agg(x::text, ',' ORDER BY txn_id) FROM src.transactions x)
              UNION ALL (SELECT 'l' || string_agg(l::text, ',' ORDER BY member_id, observed_at, latitude) FROM src.member_locations l)
              UNION ALL (SELECT 'c' || string_agg(c::text, ',' ORDER BY member_id, channel) FROM src.member_channels c)
            ) parts
            """).scalar ?? ""
    }

    @Test func sameSeedGivesIdenticalDataAndADifferentSeedDoesNot() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        _ = try Self.load(database, members: 3_000, seed: 11)
        let first = try Self.digest(connection)
        _ = try Self.load(database, members: 3_000, seed: 11, replace: true)
        #expect(try Self.digest(connection) == first)
        _ = try Self.load(database, members: 3_000, seed: 12, replace: true)
        #expect(try Self.digest(connection) != first)
    }

    @Test func existingDataIsNotReplacedWithoutBeingAsked() throws {
        let database = try TestDatabase()
        _ = try Self.load(database, members: 500, seed: 1)
        #expect(throws: PipelineError.self) { _ = try Self.load(database, members: 500, seed: 2) }
    }

    @Test func generatedDataIsPlausibleAndEveryForeignKeyResolves() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let summary = try Self.load(database, members: 20_000, seed: 2026)
        #expect(summary.members == 20_000)
        let perMember = Double(summary.transactions) / Double(summary.members)
        #expect(perMember > 8 && perMember < 18)
        func number(_ sql: String) throws -> Double { Double(try connection.query(SQL(trusted: sql)).scalar ?? "") ?? .nan }
        let cutoff = "('2026-11-01'::timestamp AT TIME ZONE 'Asia/Shanghai')"
        let dormantShare = try number("""
            SELECT avg(CASE WHEN last_day <= DATE '2026-11-01' - 180 THEN 1.0 ELSE 0.0 END) FROM (
              SELECT member_id, max((occurred_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_day
              FROM src.transactions WHERE amount > 0 GROUP BY member_id) buyers
            """)
        #expect(dormantShare >= 0.30 && dormantShare <= 0.45, "dormant share among buyers \(dormantShare)")
        #expect(try number("SELECT count(*) FROM src.transactions WHERE occurred_at >= \(cutoff)") == 0)
        #expect(try number("SELECT count(*) FROM src.transactions t LEFT JOIN src.members m USING (member_id) WHERE m.member_id IS NULL") == 0)
        #expect(try number("SELECT count(*) FROM src.transactions t LEFT JOIN src.stores s USING (store_id) WHERE s.store_id IS NULL") == 0)
        #expect(try number("SELECT count(*) FROM src.members m LEFT JOIN src.stores s ON s.store_id = m.home_store_id WHERE m.home_store_id IS NOT NULL AND s.store_id IS NULL") == 0)
        #expect(try number("SELECT count(*) FROM src.member_channels c LEFT JOIN src.members m USING (member_id) WHERE m.member_id IS NULL") == 0)
        #expect(try number("SELECT count(*) FROM src.member_locations l LEFT JOIN src.members m USING (member_id) WHERE m.member_id IS NULL") == 0)
        let consent = try number("SELECT avg(marketing_consent::int) FROM src.members")
        #expect(consent > 0.65 && consent < 0.75)
        let withChannel = try number("SELECT count(DISTINCT member_id)::float8 / 20000 FROM src.member_channels")
        #expect(withChannel > 0.6)
        let unhealthy = try number("""
            SELECT avg(CASE WHEN last_failed_at IS NOT NULL AND (last_delivered_at IS NULL OR last_failed_at > last_delivered_at) THEN 1.0 ELSE 0.0 END)
            FROM src.member_channels WHERE verified_at IS NOT NULL
            """)
        #expect(unhealthy > 0.02 && unhealthy < 0.4)
        let refunds = try number("SELECT avg((amount < 0)::int) FROM src.transactions")
        #expect(refunds > 0.005 && refunds < 0.08)
        #expect(try number("SELECT count(*) FROM sim.member_truth") == 20_000)
    }
}
