import Foundation
import Logging
import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import ReactivateSimulation
import ReactivateDemo

/// A migrated test database with generated data, and helpers to run stages on it in-process.
struct PipelineFixture {
    static let asOf = "2026-11-01"
    static var asOfDay: Int32 { PostgresEpoch.parseDate(asOf) ?? 0 }

    let database: TestDatabase
    let artifacts: URL
    let logger = Logger(label: "test")

    init(members: Int, seed: UInt64 = 7, stores: Int = 30) throws {
        database = try TestDatabase()
        artifacts = try TestDatabase.temporaryFolder()
        let connection = try database.connect()
        try Migrator(directory: projectRoot.appendingPathComponent("sql/migrations")).migrate(connection, logger: logger)
        try generate(members: members, seed: seed, stores: stores, replace: false)
    }

    func generate(members: Int, seed: UInt64, stores: Int = 30, replace: Bool = true) throws {
        _ = try SyntheticDataLoader(
            connectionString: database.connectionString, sqlDirectory: projectRoot.appendingPathComponent("sql"), logger: logger
        ).load(SyntheticDataLoader.Options(
            simulation: SimulationConfig(members: members, stores: stores, seed: seed, asOfDay: Self.asOfDay), replace: replace))
    }

    func config(_ campaign: String, _ change: (inout PipelineConfig) -> Void = { _ in }) -> PipelineConfig {
        var config = PipelineConfig.defaults(campaign: campaign)
        config.artifactDir = artifacts.path
        change(&config)
        return config
    }

    @discardableResult
    func run(
        _ config: PipelineConfig, stages: [StageName]? = nil, asOf: String = asOf, mode: RunMode = .live,
        force: Bool = false, slices: Int = 2, issueAt: String = "2026-11-01T10:00:00+08:00", wave: String? = nil
    ) throws -> PipelineRunner.Outcome {
        let runner = PipelineRunner(connectionString: database.connectionString, logger: logger)
        return try runner.run(PipelineRunner.Request(
            config: config, configText: "test", asOf: .day(CalendarDay(parsing: asOf) ?? CalendarDay(0)), mode: mode, stages: stages,
            force: force, issueAt: Self.micros(issueAt), sliceCount: slices, attributeWave: wave.flatMap(PostgresEpoch.parseDate)))
    }

    static func micros(_ iso: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: iso) else { return nil }
        return Int64(((date.timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded())
    }

    func simulate(_ campaign: String, uplift: Double, upliftDropped: Double? = nil) throws -> CampaignSimulator.Summary {
        try CampaignSimulator(connectionString: database.connectionString, logger: logger).simulate(
            CampaignSimulator.Options(
                campaign: campaign, waveDay: Self.asOfDay, upliftIfAlive: uplift, upliftIfDroppedOut: upliftDropped ?? uplift * 0.6))
    }

    func cleanUp() { try? FileManager.default.removeItem(at: artifacts) }
}
