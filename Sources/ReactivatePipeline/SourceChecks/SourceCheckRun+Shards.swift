import Postgres
import ReactivateCore

/// The sampled tests' aggregates, from one query on the configured server or merged over shards.
extension SourceCheckRun {
    /// Coordinate health of a relation's rows: counts that add over shards, and up to three examples.
    struct CoordinateCounts {
        var total: Int64 = 0
        var missing: Int64 = 0
        var zero: Int64 = 0
        var outOfRange: Int64 = 0
        var swappable: Int64 = 0
        var examples: [String] = []

        init() {}

        init(row: PostgresRow) throws {
            total = try row.decode(0)
            missing = try row.decode(1)
            zero = try row.decode(2)
            outOfRange = try row.decode(3)
            swappable = try row.decode(4)
            examples = SourceCheckRun.split(try row.decodeIfPresent(5))
        }

        mutating func add(_ other: CoordinateCounts) {
            total += other.total
            missing += other.missing
            zero += other.zero
            outOfRange += other.outOfRange
            swappable += other.swappable
            examples = Array((examples + other.examples).prefix(3))
        }
    }

    /// The basket test's aggregates over sampled transactions.
    struct BasketCounts {
        var total: Int64 = 0
        var positive: Int64 = 0
        /// The median positive amount as PostgreSQL prints a float8; nil without positive amounts.
        var medianText: String?
        var nulls: Int64 = 0
    }

    /// The unknown-member test's aggregates: rows probed, rows of no member, up to five such ids.
    struct UnknownMemberCounts {
        var probed: Int64 = 0
        var unknown: Int64 = 0
        var examples: [String] = []

        mutating func add(_ other: UnknownMemberCounts) {
            probed += other.probed
            unknown += other.unknown
            let ids = Set((examples + other.examples).compactMap { Int64($0) })
            examples = ids.sorted().prefix(5).map(String.init)
        }
    }

    /// One shard's share of a sample: the shard's table block-sampled on its own server with an equal
    /// share of the blocks (a view there: an equal share of the rows), so all shards are represented.
    func shardSample(_ source: ShardSource, _ connection: Connection, relation: QualifiedRelation) throws -> SourceSample {
        let count = Int64(max(1, options.shards.count))
        let blocks = try connection.query(
            SourceCheckQueries.tableBlocks(relation, blockSize: try connection.blockSize()), operation: "read the size of \(relation)"
        ).scalar(Int64.self)
        return SourceSample.choose(
            tableBlocks: blocks, blocks: max(1, (options.sampleBlocks + count - 1) / count), rows: max(1, options.sampleRows / Int(count)))
    }

    /// Runs `body` on every shard's server in bucket order; a failure names the shard.
    func eachShard(_ body: (ShardSource, Connection) throws -> Void) throws {
        for source in options.shards {
            do {
                try body(source, try shardConnections.connection(to: source))
            } catch {
                throw source.shard.failure(error)
            }
        }
    }

    /// One connection per shard server for all the tests of a run (a connection costs more than most
    /// of the small aggregates it answers).
    final class ShardConnections {
        private var open: [String: Connection] = [:]

        func connection(to source: ShardSource) throws -> Connection {
            if let connection = open[source.connectionString.conninfo] { return connection }
            let connection = try Connection(source.connectionString)
            open[source.connectionString.conninfo] = connection
            return connection
        }
    }

    /// member_locations' coordinates sampled on every shard; whether every shard was read whole.
    func shardCoordinates() throws -> (CoordinateCounts, whole: Bool) {
        var counts = CoordinateCounts()
        var whole = true
        try eachShard { source, connection in
            let table = source.shard.relations.memberLocations
            let sample = try shardSample(source, connection, relation: table)
            whole = whole && sample.isWhole
            let row = try Self.onlyRow(
                connection.query(
                    SourceCheckQueries.coordinates(in: table.sql, idColumn: "member_id", sample: sample),
                    operation: "check \(table) coordinates"))
            counts.add(try CoordinateCounts(row: row))
        }
        return (counts, whole)
    }

    /// The basket and unknown-member tests over every shard's sample of transactions, each shard's
    /// transactions probed against its own members. The median is taken over all shards' sampled
    /// amounts as `percentile_cont(0.5)` takes it.
    func shardTransactions() throws -> (BasketCounts, UnknownMemberCounts, whole: Bool) {
        var basket = BasketCounts()
        var unknown = UnknownMemberCounts()
        var positives: [Double] = []
        var whole = true
        try eachShard { source, connection in
            let relations = source.shard.relations
            let sample = try shardSample(source, connection, relation: relations.transactions)
            whole = whole && sample.isWhole
            try connection.copyOut(
                SourceCheckQueries.sampledAmounts(in: relations.transactions.sql, sample: sample), fieldCount: 2,
                operation: "check \(relations.transactions) amounts"
            ) { row in
                basket.total += 1
                if try row.bool(1) { basket.nulls += 1 }
                if let amount = try row.optionalFloat64(0), amount > 0 {
                    basket.positive += 1
                    positives.append(amount)
                }
            }
            let row = try Self.onlyRow(
                connection.query(
                    SourceCheckQueries.unknownMembers(transactions: relations.transactions.sql, members: relations.members.sql, sample: sample),
                    operation: "check \(relations.transactions) belong to members"))
            unknown.add(
                UnknownMemberCounts(probed: try row.decode(0), unknown: try row.decode(1), examples: Self.split(try row.decodeIfPresent(2))))
        }
        basket.medianText = Self.median(positives).map(Self.float8Text)
        return (basket, unknown, whole)
    }

    /// `percentile_cont(0.5)`: the middle value, or the mean of the two middle values.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = 0.5 * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// A float8 as PostgreSQL prints it (shortest round-trip digits, no trailing `.0`).
    static func float8Text(_ value: Double) -> String {
        let text = "\(value)"
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
