import Foundation
import Logging
import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateSimulation

/// Plays out an issued wave from every targeted member's latent process: writes the post-issue
/// transactions the member's arm would produce, and records both potential outcomes in `sim`.
///
/// This is the planted truth attribution is validated against: the estimate of incremental sales must
/// cover Σ over treated members of (Y(1) − Y(0)) in about 95% of seeds.
public struct CampaignSimulator: Sendable {
    public struct Options: Sendable {
        public var campaign: String
        public var waveDay: Int32
        public var upliftIfAlive: Double
        public var upliftIfDroppedOut: Double
        public var windowDays: Int
        public var schema: String
        public var simSchema: String

        public init(
            campaign: String, waveDay: Int32, upliftIfAlive: Double = 0.10, upliftIfDroppedOut: Double = 0.06,
            windowDays: Int = 30, schema: String = "src", simSchema: String = "sim"
        ) {
            self.campaign = campaign
            self.waveDay = waveDay
            self.upliftIfAlive = upliftIfAlive
            self.upliftIfDroppedOut = upliftIfDroppedOut
            self.windowDays = windowDays
            self.schema = schema
            self.simSchema = simSchema
        }
    }

    public struct Summary: Sendable {
        public var members = 0
        public var treated = 0
        public var transactions = 0
        /// Σ over treated members of Y(1) − Y(0), in cents: the true incremental sales.
        public var trueIncrementalCents: Int64 = 0
    }

    let connectionString: ConnectionString
    let logger: Logger

    public init(connectionString: ConnectionString, logger: Logger) {
        self.connectionString = connectionString
        self.logger = logger
    }

    public func simulate(_ options: Options) throws -> Summary {
        try Identifier.validate(options.schema, what: "--schema")
        try Identifier.validate(options.simSchema, what: "--sim-schema")
        let s = SQL(trusted: Connection.quoteIdentifier(options.schema))
        let sim = SQL(trusted: Connection.quoteIdentifier(options.simSchema))
        let connection = try Connection(connectionString)
        let asOf = PostgresEpoch.format(options.waveDay)
        guard let generation = try connection.query("SELECT members, stores, seed, as_of - DATE '2000-01-01' FROM \(sim).generation LIMIT 1").first,
            let members = try generation.decodeIfPresent(0, as: Int.self), let stores = try generation.decodeIfPresent(1, as: Int.self),
            let seed = try generation.decodeIfPresent(2, as: Int64.self), let generatedDay = try generation.decodeIfPresent(3, as: Int32.self)
        else {
            throw PipelineError(.configuration, "no generated data found in schema \(options.simSchema)",
                fix: "simulate campaigns only on data made by `reactivate generate`")
        }
        let retail: SyntheticRetail
        do {
            retail = try SyntheticRetail(config: SimulationConfig(members: members, stores: stores, seed: UInt64(bitPattern: seed), asOfDay: generatedDay))
        } catch { throw PipelineError(.runtime, "cannot rebuild the simulator: \(error)") }
        guard let issued = try connection.query(
            """
            SELECT \(PostgresUnits.microseconds("issued_at")) FROM reactivation.waves
            WHERE campaign = \(options.campaign) AND as_of = \(asOf)::date AND status = 'issued'
            """).scalar(Int64.self)
        else {
            throw PipelineError(.configuration, "campaign '\(options.campaign)' has no issued wave on \(asOf)",
                fix: "run the pipeline with the issue stage for that date first")
        }
        var targets: [(memberId: Int64, treated: Bool, code: String?)] = []
        try connection.copyOut(
            """
            COPY (SELECT t.member_id, t.arm = 'treatment', c.code FROM reactivation.targets t
                  LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
                  WHERE t.campaign = \(options.campaign) AND t.as_of = \(asOf)::date AND t.mode = 'live'
                  ORDER BY t.member_id) TO STDOUT (FORMAT binary)
            """, fieldCount: 3, operation: "read wave targets"
        ) { row in targets.append((try row.int64(0), try row.bool(1), try row.optionalText(2))) }

        var summary = Summary()
        try connection.transaction {
            // Re-simulating a wave replaces its rows: the same seed gives the same rows again.
            let existing = try connection.query("SELECT wave FROM \(sim).waves WHERE campaign = \(options.campaign) AND as_of = \(asOf)::date").scalar(Int.self)
            let wave = try existing ?? connection.query("SELECT coalesce(max(wave) + 1, 0) FROM \(sim).waves").scalar(Int.self) ?? 0
            guard wave <= WaveScenario.maxWave else { throw PipelineError(.runtime, "too many simulated waves (max \(WaveScenario.maxWave + 1))") }
            try connection.query(
                """
                INSERT INTO \(sim).waves
                VALUES (\(options.campaign), \(asOf)::date, \(wave), \(options.upliftIfAlive), \(options.upliftIfDroppedOut))
                ON CONFLICT (campaign, as_of) DO UPDATE SET uplift_if_alive = EXCLUDED.uplift_if_alive, uplift_if_dropped_out = EXCLUDED.uplift_if_dropped_out
                """)
            let low = WaveScenario.transactionId(memberId: 0, wave: wave, sequence: 0)
            let high = WaveScenario.transactionId(memberId: SimulationConfig.maxMemberId, wave: wave, sequence: 4095)
            try connection.query("DELETE FROM \(s).transactions WHERE txn_id BETWEEN \(low) AND \(high)")
            try connection.query("DELETE FROM \(sim).wave_truth WHERE campaign = \(options.campaign) AND as_of = \(asOf)::date")
            var batch = MemberBatch(reservingCapacityFor: 1)
            var truths: [(Int64, Bool, WaveOutcome)] = []
            truths.reserveCapacity(targets.count)
            for target in targets {
                batch.removeAll()
                retail.member(target.memberId, into: &batch)
                guard let truth = batch.truths.first else { continue }
                let scenario = WaveScenario(
                    wave: wave, issuedAt: issued, windowDays: options.windowDays, couponCode: target.code ?? "NO-COUPON",
                    upliftIfAlive: options.upliftIfAlive, upliftIfDroppedOut: options.upliftIfDroppedOut)
                truths.append((target.memberId, target.treated, retail.waveOutcome(for: truth, scenario: scenario)))
            }
            try SyntheticDataLoader.copyTransactions(
                truths.lazy.flatMap { $0.1 ? $0.2.treated : $0.2.control }, into: options.schema, connection: connection,
                operation: "write simulated wave transactions")
            try connection.copyIn("COPY \(sim).wave_truth FROM STDIN (FORMAT binary)", operation: "write wave truth") { writer in
                for (memberId, treated, outcome) in truths {
                    writer.encoder.beginRow(fieldCount: 8)
                    writer.encoder.append(options.campaign)
                    writer.encoder.appendDate(options.waveDay)
                    writer.encoder.append(memberId)
                    writer.encoder.append(treated ? "treatment" : "control")
                    writer.encoder.append(outcome.controlSalesCents)
                    writer.encoder.append(outcome.treatedSalesCents)
                    writer.encoder.append(outcome.induced)
                    writer.encoder.append(outcome.aliveAtIssue)
                    try writer.rowDone()
                }
            }
            for (_, treated, outcome) in truths {
                summary.members += 1
                summary.transactions += (treated ? outcome.treated : outcome.control).count
                if treated {
                    summary.treated += 1
                    summary.trueIncrementalCents += outcome.treatedSalesCents - outcome.controlSalesCents
                }
            }
        }
        return summary
    }
}
