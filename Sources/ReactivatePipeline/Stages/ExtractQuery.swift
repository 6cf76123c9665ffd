import Postgres
import ReactivateCore

/// The SQL the extract stage streams.
///
/// Measured choice (see README "Extract: where the aggregation happens"): PostgreSQL only scans and
/// Swift folds. Aggregating in SQL (GROUP BY member and business day) measured 5.2× the COPY floor;
/// ordering the member, channel and location streams cost the server more than scanning them, so
/// every stream is unordered and folds by member slot (`MemberFacts`, `PurchaseTable`).
///
/// COPY cannot take bind parameters, so the run's values are set as session settings with
/// `set_config($1…)` (bound) and read back with `current_setting` inside the statement; only the schema
/// name, a validated identifier, is spliced — quoted.
enum ExtractQuery {
    /// Binds the run's as-of date, time zone and windows into session settings for the COPY below, and
    /// turns JIT off for the session: compiling the expressions of a single-pass scan cost more than it
    /// saved.
    static func bindSettings(
        _ connection: Connection, asOf: String, timeZone: String, freshnessDays: Int, prePeriodDays: Int
    ) throws {
        try connection.query(
            """
            SELECT set_config('jit', 'off', false),
                   set_config('reactivate.as_of', $1, false), set_config('reactivate.tz', $2, false),
                   set_config('reactivate.freshness_days', $3, false), set_config('reactivate.pre_days', $4, false),
                   ($1::date::timestamp AT TIME ZONE $2) IS NOT NULL
            """,
            [asOf, timeZone, String(freshnessDays), String(prePeriodDays)], operation: "bind extract settings")
    }

    /// Members visible on D (joined before the cut-off), in scan order.
    static func members(schema: String) -> String {
        """
        COPY (
        SELECT m.member_id, m.joined_at, m.marketing_consent, m.opted_out_at
        FROM \(Connection.quoteIdentifier(schema)).members m
        WHERE m.joined_at < \(cutoff)
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// The ids of the members visible on D, ascending: the slot index when ids are too scattered for a range.
    static func memberIds(schema: String) -> String {
        """
        COPY (
        SELECT DISTINCT m.member_id
        FROM \(Connection.quoteIdentifier(schema)).members m
        WHERE m.joined_at < \(cutoff)
        ORDER BY m.member_id
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Every channel row, in scan order; health is judged in Swift.
    static func channels(schema: String) -> String {
        """
        COPY (
        SELECT c.member_id, c.channel, c.verified_at, c.last_delivered_at, c.last_failed_at
        FROM \(Connection.quoteIdentifier(schema)).member_channels c
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Locations observed in the freshness window before D, in scan order: the fold keeps the latest.
    static func locations(schema: String) -> String {
        """
        COPY (
        SELECT l.member_id, l.latitude, l.longitude, l.observed_at
        FROM \(Connection.quoteIdentifier(schema)).member_locations l
        WHERE l.observed_at < \(cutoff)
          AND l.observed_at >= \(freshnessStart)
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// D 00:00 in the business time zone, from the session settings bound by `bindSettings`.
    ///
    /// A scalar subquery, so the server computes it once per statement (an InitPlan); as a bare
    /// expression of `current_setting` it would be re-evaluated for every row of a sequential scan.
    static let cutoff = "(SELECT current_setting('reactivate.as_of')::date::timestamp AT TIME ZONE current_setting('reactivate.tz'))"

    /// The oldest instant a fresh location may have: the cut-off minus the freshness window, once per statement.
    static let freshnessStart =
        "(SELECT (current_setting('reactivate.as_of')::date - current_setting('reactivate.freshness_days')::int)::timestamp AT TIME ZONE current_setting('reactivate.tz'))"

    /// Every transaction before the cut-off in a block range of the table, in block order — the floor's
    /// own sequential read, a TID range scan when bounded. Rows come in whatever order the heap holds
    /// them; every fold of them is order-independent.
    static func transactions(schema: String, blocks: TransactionScanPlan.Blocks = .all) -> String {
        var bounds = ""
        if blocks.lower > 0 { bounds += "\n  AND t.ctid >= '(\(blocks.lower),0)'::tid" }
        if let upper = blocks.upper { bounds += "\n  AND t.ctid < '(\(upper),0)'::tid" }
        return """
            COPY (
            SELECT t.member_id, t.occurred_at, t.amount
            FROM \(Connection.quoteIdentifier(schema)).transactions t
            WHERE t.occurred_at < \(cutoff)\(bounds)
            ) TO STDOUT (FORMAT binary)
            """
    }

    /// The transaction table's size in blocks when it can be read in block ranges (a plain table on a
    /// server with TID range scans, PostgreSQL 14+); nil for a view or an older server.
    static func transactionBlocks(_ connection: Connection, schema: String) throws -> Int? {
        guard connection.serverVersion >= 140_000 else { return nil }
        let row = try connection.query(
            """
            SELECT c.relkind::text, pg_relation_size(c.oid) / current_setting('block_size')::int8
            FROM pg_class c WHERE c.oid = to_regclass($1)
            """, ["\(Connection.quoteIdentifier(schema)).transactions"], operation: "read transaction table size"
        ).rows.first
        guard let row, row[0] == "r", let blocks = row[1].flatMap({ Int($0) }) else { return nil }
        return blocks
    }

    /// Local midnights of the business time zone around D, computed by the server's tz rules.
    static func calendar(_ connection: Connection, asOfDay: Int32, daysBack: Int) throws -> BusinessCalendar {
        let first = asOfDay - Int32(daysBack)
        var midnights: [Int64] = []
        midnights.reserveCapacity(daysBack + 2)
        try connection.copyOut(
            """
            COPY (SELECT (d::timestamp AT TIME ZONE current_setting('reactivate.tz'))
                  FROM generate_series(DATE '2000-01-01' + \(first)::int, DATE '2000-01-01' + \(asOfDay + 1)::int, interval '1 day') d
                  ORDER BY d) TO STDOUT (FORMAT binary)
            """, fieldCount: 1, operation: "read business-day boundaries"
        ) { row in midnights.append(try row.timestamp(0)) }
        return BusinessCalendar(firstDay: first, midnights: midnights)
    }
}
