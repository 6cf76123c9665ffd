import Foundation
import Dispatch
import Postgres
import ReactivateCore

/// Data tests on the mapped source, in the spirit of dbt's `unique`, `not_null`, `accepted_values`,
/// `relationships` and source freshness, run by `reactivate validate` and beside every live and
/// dry-run extract's reads (a failure stops them before anything is written).
///
/// Errors (exit 2) are mappings that make a run silently wrong: duplicated members or (member,
/// channel) pairs, channel values outside the contract, most coordinates of a table unusable or valid
/// only with latitude and longitude swapped, a median basket outside `source.median_basket_band`
/// (amounts in cents), more than ``unknownMemberErrorShare`` of transactions belonging to no member,
/// and in a live run a feed later than `source.max_lag_days`. Small counts of bad coordinates, of
/// transactions of unknown members, of rows missing a key, and a source with none of the configured
/// channels are warnings. The rule is repeated in `sql/source/README.md`.
public enum SourceChecks {
    /// Above this share of sampled transactions with no member, the views do not share a member key.
    public static let unknownMemberErrorShare = 0.10
    /// Above this share of a table's rows with unusable coordinates, the run would find almost no one.
    public static let badCoordinateErrorShare = 0.5

    /// Runs every test and throws a configuration error (exit 2) when any is an error; otherwise
    /// returns the report, whose warnings belong in the run's stats and log.
    ///
    /// Checks the relations and types against ``SourceContract`` first, so the data tests never run on
    /// a schema they cannot read. The freshness test judges the feed at the plan's cut-off, as the
    /// plan's mode asks; it never derives a cut-off of its own.
    public static func run(
        _ connection: Connection, plan: RunPlan, options: SourceCheckOptions = SourceCheckOptions()
    ) throws -> SourceCheckReport {
        let config = plan.config
        let problems = try SourceContract.problems(connection, schema: config.sourceSchema)
        guard problems.isEmpty else {
            throw PipelineError(
                .configuration,
                "\(problems.count) problem(s) with the source schema \(config.sourceSchema):\n  - "
                    + problems.joined(separator: "\n  - "),
                fix: "map the relations as sql/source/README.md shows, then run `reactivate validate PIPELINE`")
        }
        let report = try inspect(connection, plan: plan, options: options)
        try report.requireNoErrors(schema: config.sourceSchema)
        return report
    }

    /// Runs every test and returns all findings, errors included; assumes the schema fits the contract.
    public static func inspect(
        _ connection: Connection, plan: RunPlan, options: SourceCheckOptions = SourceCheckOptions()
    ) throws -> SourceCheckReport {
        let started = DispatchTime.now()
        func body() throws -> SourceCheckReport {
            // JIT compiling these small aggregates costs more than it saves.
            try connection.execute("SET LOCAL jit = off")
            var run = SourceCheckRun(connection: connection, plan: plan, options: options)
            try run.all()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            return SourceCheckReport(
                findings: run.findings, checked: run.checked, skipped: run.skipped, cutoff: run.cutoffText,
                seconds: seconds)
        }
        // Inside a caller's transaction the tests share its snapshot; otherwise one read-only snapshot of their own.
        if connection.inTransaction { return try body() }
        return try connection.transaction {
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try body()
        }
    }
}

extension SourceChecks {
    /// Whether a unique index on the source's member_channels guarantees one row per (member, channel),
    /// so the pair test needs no member ids (the same rule the tests themselves apply).
    static func channelPairsGuaranteed(_ connection: Connection, schema: SQLIdentifier) throws -> Bool {
        try RelationFacts.read(connection, schema: schema)["member_channels"]?.uniqueMemberChannel == true
    }

    /// The options for a member-sharded source: what the tests read on the shard servers instead of
    /// through the coordinator. Each shard's own unique indexes (a bucket holds all rows of its member
    /// ids, so that is uniqueness over all shards), the newest transaction before the cut-off (the
    /// newest of each shard's), and the shards themselves for the channel stream and the samples.
    ///
    /// The newest transaction is looked for as on one server: in each shard table's newest blocks
    /// first, and in whole tables only when those leave the feed later than `source.max_lag_days`
    /// (reading every shard's table in full cost the servers as much CPU as a fifth of the extract).
    /// One connection per server serves all of its shards. `tailBlocks`: how many newest blocks of each
    /// shard table are read first.
    public static func options(
        for map: ShardMap, plan: RunPlan, coordinator: ConnectionString, tailBlocks: Int64 = SourceCheckOptions().tailBlocks,
        connect: (ConnectionString) throws -> Connection = { try Connection($0) }
    ) throws -> SourceCheckOptions {
        let cutoff = plan.cutoff
        var unique: Set<String> = ["members", "member_channels"]
        var newest: Int64?
        /// Shards of which only the newest blocks were read.
        var readTailOnly: [Shard] = []
        func note(_ micros: Int64?) {
            if let micros, micros > newest ?? .min { newest = micros }
        }
        func connection(for shard: Shard, in open: inout [ShardServer?: Connection]) throws -> Connection {
            if let connection = open[shard.server] { return connection }
            let connection = try connect(shard.server?.connectionString ?? coordinator)
            open[shard.server] = connection
            return connection
        }
        var open: [ShardServer?: Connection] = [:]
        for shard in map.shards {
            do {
                let connection = try connection(for: shard, in: &open)
                for (relation, columns) in [("members", ["member_id"]), ("member_channels", ["member_id", "channel"])] where unique.contains(relation) {
                    let table = relation == "members" ? shard.relations.members : shard.relations.memberChannels
                    let covered = try connection.query(ShardCatalogQuery.uniqueIndex(on: table, within: columns), operation: "look up unique keys of \(table)")
                        .scalar(Bool.self) ?? false
                    if !covered { unique.remove(relation) }
                }
                let transactions = shard.relations.transactions
                var fromBlock: Int64?
                if let blocks = try ExtractQuery.blocks(connection, relation: transactions).map(Int64.init), blocks > tailBlocks {
                    fromBlock = blocks - tailBlocks
                    readTailOnly.append(shard)
                }
                note(try connection.query(
                    SourceCheckQueries.latestTransaction(in: transactions, before: cutoff, fromBlock: fromBlock),
                    operation: "read the latest transaction of \(transactions)"
                ).scalar(Int64.self))
            } catch {
                throw shard.failure(error)
            }
        }
        // The tails settle it when their newest is recent enough; otherwise the exact newest over
        // every shard decides the finding.
        let settled = newest.map { LatestTransaction.isRecent(Instant(microseconds: $0), cutoff: cutoff, maxLagDays: plan.config.maxLagDays) } ?? false
        if !settled {
            for shard in readTailOnly {
                do {
                    note(try connection(for: shard, in: &open).query(
                        SourceCheckQueries.latestTransaction(in: shard.relations.transactions, before: cutoff),
                        operation: "read the latest transaction of \(shard.relations.transactions)"
                    ).scalar(Int64.self))
                } catch {
                    throw shard.failure(error)
                }
            }
        }
        var options = SourceCheckOptions()
        options.uniqueOnEveryShard = unique
        options.latestTransaction = LatestTransaction(occurredAt: newest.map(Instant.init(microseconds:)))
        options.shards = map.shards.map { ShardSource(shard: $0, connectionString: $0.server?.connectionString ?? coordinator) }
        return options
    }
}
