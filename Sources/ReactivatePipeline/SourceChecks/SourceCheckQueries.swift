import Postgres

/// The SQL of the data tests on the mapped source, in one place.
///
/// Every query returns a handful of aggregates and reads each relation at most once, except the
/// uniqueness tests: members and member_channels are read in full (uniqueness cannot be sampled) as a
/// stream of their keys, folded in Swift (members skipped when a unique index guarantees it), stores in full (a small table), member_locations and transactions through
/// a bounded sample (``SourceSample``), and the freshness test through the newest blocks of the table
/// first. Values are bound as `$n` parameters; only the validated schema name is spliced, quoted.
enum SourceCheckQueries {
    /// Kind, size in blocks and unique-index coverage of each source relation.
    ///
    /// `unique_member` is true when a unique index without predicate or expressions covers only
    /// `member_id`; `unique_member_channel` when one covers only columns among (`member_id`, `channel`).
    static let relationFacts = """
        SELECT c.relname::text, c.relkind::text,
               CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) / current_setting('block_size')::int8 END,
               EXISTS (
                 SELECT 1 FROM pg_index i
                 WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND (SELECT array_agg(a.attname::text) FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)) <@ ARRAY['member_id']),
               EXISTS (
                 SELECT 1 FROM pg_index i
                 WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND (SELECT array_agg(a.attname::text) FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)) <@ ARRAY['member_id', 'channel'])
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname IN ('stores', 'members', 'member_locations', 'member_channels', 'transactions')
        """

    /// D 00:00 in the business zone as an instant (text the server reads back exactly), the same
    /// instant printed in the zone for messages, and "today" in the zone when no date is given.
    static let cutoff = """
        SELECT ($1::date::timestamp AT TIME ZONE $2)::text,
               to_char($1::date::timestamp, 'YYYY-MM-DD') || ' 00:00 ' || $2
        """
    static let today = "SELECT (now() AT TIME ZONE $1)::date::text"

    /// Every member id, unordered, for the uniqueness fold in Swift (``KeyDuplicates``): as a
    /// `GROUP BY … HAVING count(*) > 1` PostgreSQL's hash aggregate took 2.2 s at 1M members and
    /// 9 s for the 2.25M (member, channel) pairs; streaming the keys and sorting them in Swift is a scan.
    static func memberIds(_ schema: String) -> String {
        "COPY (SELECT member_id FROM \(q(schema)).members) TO STDOUT (FORMAT binary)"
    }

    /// Every (member_id, channel) row, unordered: channel values are counted and pairs checked in Swift.
    static func channelRows(_ schema: String) -> String {
        "COPY (SELECT member_id, channel FROM \(q(schema)).member_channels) TO STDOUT (FORMAT binary)"
    }

    /// The same from one shard's table, on its own server.
    static func channelRows(in relation: QualifiedRelation) -> SQL {
        "COPY (SELECT member_id, channel FROM \(relation.sql)) TO STDOUT (FORMAT binary)"
    }

    /// Coordinate health of stores (in full) or member_locations (through `sample`): rows, missing,
    /// the (0, 0) placeholder, out of range, out of range but valid with latitude and longitude swapped,
    /// and a few examples of the out-of-range rows.
    static func coordinates(_ schema: String, relation: String, idColumn: String, sample: SourceSample) -> String {
        let valid = "latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180"
        let swappedValid = "longitude BETWEEN -90 AND 90 AND latitude BETWEEN -180 AND 180"
        let present = "latitude IS NOT NULL AND longitude IS NOT NULL"
        return """
            SELECT count(*),
                   count(*) FILTER (WHERE NOT (\(present))),
                   count(*) FILTER (WHERE latitude = 0 AND longitude = 0),
                   count(*) FILTER (WHERE \(present) AND NOT (\(valid))),
                   count(*) FILTER (WHERE \(present) AND NOT (\(valid)) AND \(swappedValid)),
                   array_to_string((array_agg(\(idColumn)::text || ' (' || latitude || ', ' || longitude || ')' ORDER BY \(idColumn))
                     FILTER (WHERE \(present) AND NOT (\(valid))))[1:3], chr(31))
            FROM \(sample.from(schema, relation, columns: "\(idColumn), latitude, longitude"))
            """
    }

    /// Over a sample of transactions: rows, positive rows, the median positive amount (sorted as
    /// float8, several times faster than numeric and exact enough for a plausibility band), and rows
    /// missing a member, instant or amount.
    static func basket(_ schema: String, sample: SourceSample) -> String {
        """
        SELECT count(*), count(*) FILTER (WHERE amount > 0),
               (percentile_cont(0.5) WITHIN GROUP (ORDER BY amount::float8) FILTER (WHERE amount > 0))::text,
               count(*) FILTER (WHERE member_id IS NULL OR occurred_at IS NULL OR amount IS NULL)
        FROM \(sample.from(schema, "transactions", columns: "member_id, occurred_at, amount"))
        """
    }

    /// Over the same sample: transactions whose member is not in members (an anti-join the planner
    /// may run as index probes or one hash of members), with up to five such member ids.
    ///
    /// The whole sample is probed (a LIMIT inside it made the planner probe the members index, but
    /// read only the sample's first rows and missed recent unknown members).
    static func unknownMembers(_ schema: String, sample: SourceSample) -> String {
        """
        SELECT (SELECT count(*) FROM probe),
               count(*), array_to_string((array_agg(DISTINCT p.member_id))[1:5], chr(31))
        FROM probe p
        WHERE p.member_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM \(q(schema)).members m WHERE m.member_id = p.member_id)
        """.replacingProbe(with: "SELECT t.member_id FROM \(sample.from(schema, "transactions", columns: "member_id")) ")
    }


    /// The latest transaction before the cut-off ($1) among the table's newest blocks (from $2 on):
    /// a TID range scan of a few MB that answers the question when the feed appends in time order.
    static func latestTransactionInTail(_ schema: String) -> String {
        """
        SELECT max(occurred_at)::text FROM \(q(schema)).transactions
        WHERE ctid >= $2::tid AND occurred_at < $1::timestamptz
        """
    }

    /// The latest transaction before the cut-off over the whole relation: an index lookup when one
    /// on `occurred_at` exists, a full scan otherwise; only run when the tail did not settle it.
    static func latestTransaction(_ schema: String) -> String {
        "SELECT max(occurred_at)::text FROM \(q(schema)).transactions WHERE occurred_at < $1::timestamptz"
    }

    /// Days between an instant and the cut-off, and the instant printed in the business zone.
    static let lag = """
        SELECT extract(epoch FROM ($1::timestamptz - $2::timestamptz)) / 86400,
               to_char($2::timestamptz AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI:SS')
        """

    private static func q(_ name: String) -> String { Connection.quoteIdentifier(name) }
}

extension String {
    /// Prefixes a statement with `WITH probe AS MATERIALIZED (…)`: the rows probed, counted once.
    fileprivate func replacingProbe(with probe: String) -> String {
        "WITH probe AS MATERIALIZED (\(probe))\n" + self
    }
}

/// How a test reads a large relation: whole, a block sample of a table, or the first rows of a view.
///
/// A block sample (`TABLESAMPLE SYSTEM`, repeatable) reads a fixed number of blocks spread over the
/// table whatever its size; a view cannot be block-sampled, so it is read up to a row limit, which
/// favours whatever the view returns first. Both are stated in the findings (`sampled`).
struct SourceSample {
    enum Method {
        case whole
        case blocks(percent: Double)
        case firstRows(Int)
    }

    var method: Method

    /// The FROM item, aliased `t`, and the parameter the method binds as `$1`.
    func from(_ schema: String, _ relation: String, columns: String) -> String {
        let name = Connection.quoteIdentifier(schema) + "." + Connection.quoteIdentifier(relation)
        switch method {
        case .whole: return "\(name) t"
        case .blocks: return "(SELECT \(columns) FROM \(name) TABLESAMPLE SYSTEM ($1::float4) REPEATABLE (7)) t"
        case .firstRows: return "(SELECT \(columns) FROM \(name) LIMIT $1::int8) t"
        }
    }

    var parameters: [any PostgresParameter] {
        switch method {
        case .whole: return []
        case .blocks(let percent): return [String(percent)]
        case .firstRows(let rows): return [rows]
        }
    }

    var isWhole: Bool { if case .whole = method { true } else { false } }

    /// A sample of about `blocks` blocks for a table of `tableBlocks` (whole when it is that small),
    /// or the first `rows` rows of a view.
    static func choose(tableBlocks: Int64?, blocks: Int64, rows: Int) -> SourceSample {
        guard let tableBlocks else { return SourceSample(method: .firstRows(rows)) }
        guard tableBlocks > blocks else { return SourceSample(method: .whole) }
        return SourceSample(method: .blocks(percent: 100 * Double(blocks) / Double(tableBlocks)))
    }
}
