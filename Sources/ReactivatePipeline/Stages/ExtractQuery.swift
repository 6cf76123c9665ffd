import Postgres
import ReactivateCore

/// The SQL the extract stage streams.
///
/// Measured choice (see README "Extract: where the aggregation happens"): PostgreSQL only scans and
/// Swift folds. Aggregating in SQL (GROUP BY member and business day) measured 5.2× the COPY floor;
/// ordering the member, channel and location streams cost the server more than scanning them, so
/// every stream is unordered and folds by member slot (`MemberFacts`, `PurchaseTable`).
///
/// The run's values (schema, cut-off, the oldest fresh location) travel in ``Window`` and are
/// interpolated into ``SQL``, which inlines them into the COPY statements as quoted literals: constants
/// the planner folds once, not expressions evaluated per scanned row.
enum ExtractQuery {
    /// What every extract statement is bounded by.
    struct Window: Sendable {
        /// Where the member-keyed relations are read on the connection's server: the source schema's
        /// tables, or one shard's partitions on its own server.
        var relations: SourceRelations
        /// D 00:00 in the business time zone (the run plan's cut-off).
        var cutoff: Instant
        /// The oldest instant a fresh location may have: the midnight `location_freshness_days` before D.
        var freshLocationsFrom: Instant

        init(relations: SourceRelations, cutoff: Instant, freshLocationsFrom: Instant) {
            self.relations = relations
            self.cutoff = cutoff
            self.freshLocationsFrom = freshLocationsFrom
        }

        /// The contract's relations in one schema.
        init(schema: SQLIdentifier, cutoff: Instant, freshLocationsFrom: Instant) {
            self.init(relations: SourceRelations(schema: schema.name), cutoff: cutoff, freshLocationsFrom: freshLocationsFrom)
        }
    }

    /// Turns JIT off for the session: compiling the expressions of a single-pass scan cost more than it saved.
    static func prepareSession(_ connection: Connection) throws {
        try connection.execute("SET jit = off", operation: "prepare the extract session")
    }

    /// Members visible on D (joined before the cut-off), in scan order; within a block range of the
    /// table when bounded (a TID range scan).
    static func members(_ window: Window, blocks: TransactionScanPlan.Blocks = .all) -> SQL {
        """
        COPY (
        SELECT m.member_id, m.joined_at, m.marketing_consent, m.opted_out_at
        FROM \(window.relations.members.sql) m
        WHERE m.joined_at < \(window.cutoff)::timestamptz\(blockBounds("m", blocks))
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// `AND alias.ctid …` bounds for a block range; empty for the whole relation.
    private static func blockBounds(_ alias: SQL, _ blocks: TransactionScanPlan.Blocks) -> SQL {
        var bounds: SQL = ""
        if blocks.lower > 0 { bounds = bounds + "\n  AND \(alias).ctid >= \("(\(blocks.lower),0)")::tid" }
        if let upper = blocks.upper { bounds = bounds + "\n  AND \(alias).ctid < \("(\(upper),0)")::tid" }
        return bounds
    }

    /// Every channel row, in scan order; health is judged in Swift.
    static func channels(_ window: Window) -> SQL {
        """
        COPY (
        SELECT c.member_id, c.channel, c.verified_at, c.last_delivered_at, c.last_failed_at
        FROM \(window.relations.memberChannels.sql) c
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Locations observed in the freshness window before D, in scan order: the fold keeps the latest.
    static func locations(_ window: Window) -> SQL {
        """
        COPY (
        SELECT l.member_id, l.latitude, l.longitude, l.observed_at
        FROM \(window.relations.memberLocations.sql) l
        WHERE l.observed_at < \(window.cutoff)::timestamptz
          AND l.observed_at >= \(window.freshLocationsFrom)::timestamptz
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Every transaction before the cut-off in a block range of the table, in block order — the floor's
    /// own sequential read, a TID range scan when bounded. Rows come in whatever order the heap holds
    /// them; every fold of them is order-independent.
    static func transactions(_ window: Window, blocks: TransactionScanPlan.Blocks = .all) -> SQL {
        """
        COPY (
        SELECT t.member_id, t.occurred_at, t.amount
        FROM \(window.relations.transactions.sql) t
        WHERE t.occurred_at < \(window.cutoff)::timestamptz\(blockBounds("t", blocks))
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// The transaction table's size in blocks when it can be read in block ranges (a plain table on a
    /// server with TID range scans, PostgreSQL 14+); nil for a view or an older server.
    static func transactionBlocks(_ connection: Connection, schema: SQLIdentifier) throws -> Int? {
        try blocks(connection, relation: SourceRelations(schema: schema.name).transactions)
    }

    /// A relation's size in blocks when it can be read in block ranges, as ``transactionBlocks(_:schema:)``.
    static func blocks(_ connection: Connection, relation: QualifiedRelation) throws -> Int? {
        guard connection.serverVersion >= 140_000 else { return nil }
        let row = try connection.query(
            """
            SELECT c.relkind::text, pg_relation_size(c.oid) / (SELECT setting::int8 FROM pg_settings WHERE name = 'block_size')
            FROM pg_class c WHERE c.oid = to_regclass(\(relation.regclassText))
            """, operation: "read the size of \(relation)"
        ).first
        guard let row, try row.decode(0, as: String.self) == "r" else { return nil }
        return try row.decodeIfPresent(1, as: Int.self)
    }

    /// Local midnights of the business time zone around D, computed by the server's tz rules.
    static func calendar(_ connection: Connection, asOfDay: Int32, daysBack: Int, timeZone: String) throws -> BusinessCalendar {
        let first = asOfDay - Int32(daysBack)
        var midnights: [Int64] = []
        midnights.reserveCapacity(daysBack + 2)
        try connection.copyOut(
            """
            COPY (SELECT (d::timestamp AT TIME ZONE \(timeZone))
                  FROM generate_series(DATE '2000-01-01' + \(first)::int, DATE '2000-01-01' + \(asOfDay + 1)::int, interval '1 day') d
                  ORDER BY d) TO STDOUT (FORMAT binary)
            """, fieldCount: 1, operation: "read business-day boundaries"
        ) { row in midnights.append(try row.timestamp(0)) }
        return BusinessCalendar(firstDay: first, midnights: midnights)
    }
}
