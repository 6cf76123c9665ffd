import Postgres
import ReactivateCore

/// The SQL of the data tests on the mapped source, in one place.
///
/// Every query returns a handful of aggregates and reads each relation at most once, except the
/// uniqueness tests: members and member_channels are read in full (uniqueness cannot be sampled) as a
/// stream of their keys, folded in Swift (members skipped when a unique index guarantees it), stores in full (a small table), member_locations and transactions through
/// a bounded sample (``SourceSample``), and the freshness test through the newest blocks of the table
/// first. Values are bound as parameters through ``SQL``; the validated schema name is quoted.
enum SourceCheckQueries {
    /// Kind, size in blocks and unique-index coverage of each source relation.
    ///
    /// `unique_member` is true when a unique index without predicate or expressions covers only
    /// `member_id`; `unique_member_channel` when one covers only columns among (`member_id`, `channel`).
    static func relationFacts(_ schema: SQLIdentifier, blockSize: Int64) -> SQL {
        """
        SELECT c.relname::text, c.relkind::text,
               CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) / \(blockSize)::int8 END,
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
        WHERE n.nspname = \(schema.name) AND c.relname IN ('stores', 'members', 'member_locations', 'member_channels', 'transactions')
        """
    }

    /// Every member id, unordered, for the uniqueness fold in Swift (``KeyDuplicates``): as a
    /// `GROUP BY … HAVING count(*) > 1` PostgreSQL's hash aggregate took 2.2 s at 1M members and
    /// 9 s for the 2.25M (member, channel) pairs; streaming the keys and sorting them in Swift is a scan.
    static func memberIds(_ schema: SQLIdentifier) -> SQL {
        "COPY (SELECT member_id FROM \(schema).members) TO STDOUT (FORMAT binary)"
    }

    /// Every (member_id, channel) row, unordered: channel values are counted and pairs checked in Swift.
    static func channelRows(_ schema: SQLIdentifier) -> SQL {
        "COPY (SELECT member_id, channel FROM \(schema).member_channels) TO STDOUT (FORMAT binary)"
    }

    /// The same from one shard's table, on its own server.
    static func channelRows(in relation: QualifiedRelation) -> SQL {
        "COPY (SELECT member_id, channel FROM \(relation.sql)) TO STDOUT (FORMAT binary)"
    }

    /// Coordinate health of stores (in full) or member_locations (through `sample`): rows, missing,
    /// the (0, 0) placeholder, out of range, out of range but valid with latitude and longitude swapped,
    /// and a few examples of the out-of-range rows.
    static func coordinates(_ schema: SQLIdentifier, relation: String, idColumn: String, sample: SourceSample) -> SQL {
        coordinates(in: "\(schema).\(identifier: relation)", idColumn: idColumn, sample: sample)
    }

    /// The same over a relation named in full (a shard's member_locations on its server).
    static func coordinates(in table: SQL, idColumn: String, sample: SourceSample) -> SQL {
        let valid: SQL = "latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180"
        let swappedValid: SQL = "longitude BETWEEN -90 AND 90 AND latitude BETWEEN -180 AND 180"
        let present: SQL = "latitude IS NOT NULL AND longitude IS NOT NULL"
        let id: SQL = "\(identifier: idColumn)"
        return """
            SELECT count(*),
                   count(*) FILTER (WHERE NOT (\(present))),
                   count(*) FILTER (WHERE latitude = 0 AND longitude = 0),
                   count(*) FILTER (WHERE \(present) AND NOT (\(valid))),
                   count(*) FILTER (WHERE \(present) AND NOT (\(valid)) AND \(swappedValid)),
                   array_to_string((array_agg(\(id)::text || ' (' || latitude || ', ' || longitude || ')' ORDER BY \(id))
                     FILTER (WHERE \(present) AND NOT (\(valid))))[1:3], chr(31))
            FROM \(sample.from(table, columns: "\(id), latitude, longitude"))
            """
    }

    /// Over a sample of transactions: rows, positive rows, the median positive amount (sorted as
    /// float8, several times faster than numeric and exact enough for a plausibility band), and rows
    /// missing a member, instant or amount.
    static func basket(_ schema: SQLIdentifier, sample: SourceSample) -> SQL {
        """
        SELECT count(*), count(*) FILTER (WHERE amount > 0),
               (percentile_cont(0.5) WITHIN GROUP (ORDER BY amount::float8) FILTER (WHERE amount > 0))::text,
               count(*) FILTER (WHERE member_id IS NULL OR occurred_at IS NULL OR amount IS NULL)
        FROM \(sample.from(schema, "transactions", columns: "member_id, occurred_at, amount"))
        """
    }

    /// Over a sample of one shard's transactions, for the basket test merged across shards in Swift
    /// (a median does not merge): every amount as float8 and whether the row lacks a member, instant or amount.
    static func sampledAmounts(in transactions: SQL, sample: SourceSample) -> SQL {
        """
        COPY (
          SELECT amount::float8, member_id IS NULL OR occurred_at IS NULL OR amount IS NULL
          FROM \(sample.from(transactions, columns: "member_id, occurred_at, amount"))
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Over the same sample: transactions whose member is not in members (an anti-join the planner
    /// may run as index probes or one hash of members), with up to five such member ids, after the
    /// rows probed, counted once (`WITH probe AS MATERIALIZED`).
    ///
    /// The whole sample is probed (a LIMIT inside it made the planner probe the members index, but
    /// read only the sample's first rows and missed recent unknown members).
    static func unknownMembers(_ schema: SQLIdentifier, sample: SourceSample) -> SQL {
        unknownMembers(transactions: "\(schema).transactions", members: "\(schema).members", sample: sample)
    }

    /// The same with both relations named in full: one shard's, on its server (its members are all
    /// the members its transactions can belong to).
    static func unknownMembers(transactions: SQL, members: SQL, sample: SourceSample) -> SQL {
        """
        WITH probe AS MATERIALIZED (SELECT t.member_id FROM \(sample.from(transactions, columns: "member_id")) )
        SELECT (SELECT count(*) FROM probe),
               count(*), array_to_string((array_agg(DISTINCT p.member_id))[1:5], chr(31))
        FROM probe p
        WHERE p.member_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM \(members) m WHERE m.member_id = p.member_id)
        """
    }

    /// A relation's size in blocks when it is a plain table or materialized view (block-sampled), else nil.
    static func tableBlocks(_ relation: QualifiedRelation, blockSize: Int64) -> SQL {
        """
        SELECT CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) / \(blockSize)::int8 END
        FROM pg_class c WHERE c.oid = to_regclass(\(relation.regclassText))
        """
    }

    /// The latest transaction before the cut-off in `relation`: among its blocks from `fromBlock` on
    /// when given (a TID range scan of its newest few MB, PostgreSQL 14+, which answers the question
    /// when the feed appends in time order), else over the whole relation (an index lookup when one on
    /// `occurred_at` exists, a full scan otherwise). Used on one server and on each shard's server.
    static func latestTransaction(in relation: QualifiedRelation, before cutoff: Instant, fromBlock: Int64? = nil) -> SQL {
        let all: SQL = "SELECT \(PostgresUnits.microseconds("max(occurred_at)")) FROM \(relation.sql) WHERE occurred_at < \(cutoff)::timestamptz"
        guard let fromBlock else { return all }
        return all + " AND ctid >= \("(\(fromBlock),0)")::tid"
    }

    /// Days between an instant and the cut-off, and the instant printed in the business zone.
    static func lag(cutoff: Instant, latest: Instant, timeZone: String) -> SQL {
        """
        SELECT extract(epoch FROM (\(cutoff)::timestamptz - \(latest)::timestamptz)) / 86400,
               to_char(\(latest)::timestamptz AT TIME ZONE \(timeZone), 'YYYY-MM-DD HH24:MI:SS')
        """
    }
}
