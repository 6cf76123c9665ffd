import ArgumentParser
import Foundation
import ReactivateCore
import ReactivatePipeline
import ReactivateSimulation
import ReactivateDemo

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate realistic synthetic retail data into the source tables (demo and tests).",
        discussion: """
            Stores clustered in Chinese cities, members whose purchases follow the BG/NBD story, spend,
            refunds, locations, channels and consent. Deterministic for a seed. The simulator's latent truth
            goes to the `sim` schema, which the pipeline never reads. Data is loaded into staging schemas
            and swapped in atomically.

            With --simulate-campaign C --wave D it instead plays out an issued wave: post-issue transactions
            from each targeted member's latent process, treated members with a planted uplift, and both
            potential outcomes in sim.wave_truth.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Number of members (ids 1…N).") var members: Int = 200_000
    @Option(help: "Number of stores.") var stores: Int = 120
    @Option(help: "Random seed; the same seed gives the same data.") var seed: UInt64 = 7
    @Option(name: .customLong("as-of"), help: "History ends at this date's 00:00 Asia/Shanghai (YYYY-MM-DD).")
    var asOf: String?
    @Option(name: .customLong("simulate-campaign"), help: "Play out an issued wave of this campaign (needs --wave).")
    var simulateCampaign: String?
    @Option(help: "The wave's as-of date (YYYY-MM-DD) for --simulate-campaign.") var wave: String?
    @Option(help: "Probability that a treated member who is still alive makes one coupon-induced purchase.")
    var uplift: Double = 0.10
    @Option(name: .customLong("uplift-dropped"), help: "The same for treated members who had dropped out.")
    var upliftDropped: Double = 0.06
    @Option(name: .customLong("window-days"), help: "Days of post-issue transactions to simulate.")
    var windowDays: Int = 30
    @Option(help: "Schema for the source tables.") var schema: String = "src"
    @Option(name: .customLong("sim-schema"), help: "Schema for the simulator's truth.") var simSchema: String = "sim"
    @Flag(help: "Replace existing source tables in the schema.") var replace = false

    func validate() throws {
        if simulateCampaign != nil {
            guard let wave, PostgresEpoch.parseDate(wave) != nil else {
                throw ValidationError("--simulate-campaign needs --wave with a date like 2026-11-01")
            }
            guard (0...1).contains(uplift), (0...1).contains(upliftDropped) else {
                throw ValidationError("--uplift and --uplift-dropped are probabilities in 0…1")
            }
            guard (1...365).contains(windowDays) else { throw ValidationError("--window-days must be 1…365") }
            return
        }
        guard let asOf, PostgresEpoch.parseDate(asOf) != nil else {
            throw ValidationError("--as-of must be a date like 2026-11-01, got '\(asOf ?? "")'")
        }
        guard members >= 0 else { throw ValidationError("--members must be >= 0") }
        guard stores >= 1 else { throw ValidationError("--stores must be >= 1") }
    }

    func run() throws {
        let logger = try global.makeLogger()
        if let campaign = simulateCampaign, let waveDay = wave.flatMap(PostgresEpoch.parseDate) {
            let simulator = CampaignSimulator(connectionString: global.connectionString, logger: logger)
            let summary = try simulator.simulate(CampaignSimulator.Options(
                campaign: campaign, waveDay: waveDay, upliftIfAlive: uplift, upliftIfDroppedOut: upliftDropped,
                windowDays: windowDays, schema: schema, simSchema: simSchema))
            print(
                """
                simulated wave \(wave ?? "") of '\(campaign)': \(summary.members) targeted members (\(summary.treated) treated), \
                \(summary.transactions) post-issue transactions; true incremental sales \(String(format: "%.2f", Double(summary.trueIncrementalCents) / 100))
                """)
            return
        }
        guard let asOfDay = asOf.flatMap(PostgresEpoch.parseDate) else { throw ValidationError("bad --as-of") }
        let loader = SyntheticDataLoader(
            connectionString: global.connectionString, sql: SQLSource.resolve(), logger: logger)
        let options = SyntheticDataLoader.Options(
            simulation: SimulationConfig(members: members, stores: stores, seed: seed, asOfDay: asOfDay),
            schema: schema, simSchema: simSchema, replace: replace)
        let summary = try loader.load(options)
        print(
            """
            generated \(summary.members) members, \(summary.stores) stores, \(summary.transactions) transactions, \
            \(summary.locations) locations, \(summary.channels) channels into '\(schema)' \
            in \(String(format: "%.1f", summary.seconds)) s (\(Int(summary.rowsPerSecond)) rows/s)
            """)
    }
}
