import ArgumentParser
import Foundation
import ReactivateCore
import ReactivatePipeline

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate realistic synthetic retail data into the source tables (demo and tests).",
        discussion: """
            Stores clustered in Chinese cities, members whose purchases follow the BG/NBD story, spend,
            refunds, locations, channels and consent. Deterministic for a seed. The simulator's latent truth
            goes to the `sim` schema, which the pipeline never reads. Data is loaded into staging schemas
            and swapped in atomically.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Number of members (ids 1…N).") var members: Int = 200_000
    @Option(help: "Number of stores.") var stores: Int = 120
    @Option(help: "Random seed; the same seed gives the same data.") var seed: UInt64 = 7
    @Option(name: .customLong("as-of"), help: "History ends at this date's 00:00 Asia/Shanghai (YYYY-MM-DD).")
    var asOf: String
    @Option(help: "Schema for the source tables.") var schema: String = "src"
    @Option(name: .customLong("sim-schema"), help: "Schema for the simulator's truth.") var simSchema: String = "sim"
    @Flag(help: "Replace existing source tables in the schema.") var replace = false

    func validate() throws {
        guard PostgresEpoch.parseDate(asOf) != nil else {
            throw ValidationError("--as-of must be a date like 2026-11-01, got '\(asOf)'")
        }
        guard members >= 0 else { throw ValidationError("--members must be >= 0") }
        guard stores >= 1 else { throw ValidationError("--stores must be >= 1") }
    }

    func run() throws {
        let logger = try global.makeLogger()
        guard let asOfDay = PostgresEpoch.parseDate(asOf) else { throw ValidationError("bad --as-of") }
        let loader = SyntheticDataLoader(
            connectionString: global.connectionString, sqlDirectory: try SQLDirectory.locate(), logger: logger)
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
