import Postgres

/// The SQL the extract stage streams, one statement per slice of the member-id space.
///
/// Measured choice (see README "Extract: where the aggregation happens"): PostgreSQL aggregates
/// transactions to purchase days and then to one row per member, because doing it in Swift would mean
/// shipping every transaction and keeping per-member day sets (memory growing with transactions).
/// Two slices run on two connections so both cores work.
///
/// COPY cannot take bind parameters, so the run's values are set as session settings with
/// `set_config($1…)` (bound) and read back with `current_setting` inside the statement; only the schema
/// name, a validated identifier, is spliced — quoted.
enum ExtractQuery {
    /// Binds the run's as-of date, time zone and windows into session settings for the COPY below.
    static func bindSettings(
        _ connection: Connection, asOf: String, timeZone: String, freshnessDays: Int, prePeriodDays: Int
    ) throws {
        try connection.query(
            """
            SELECT set_config('reactivate.as_of', $1, false), set_config('reactivate.tz', $2, false),
                   set_config('reactivate.freshness_days', $3, false), set_config('reactivate.pre_days', $4, false),
                   ($1::date::timestamp AT TIME ZONE $2) IS NOT NULL
            """,
            [asOf, timeZone, String(freshnessDays), String(prePeriodDays)], operation: "bind extract settings")
    }

    static let columnCount = 20

    /// One row per member visible on D (joined before the cut-off) in slice `slice` of `sliceCount`.
    static func copy(schema: String, slice: Int, sliceCount: Int) -> String {
        let s = Connection.quoteIdentifier(schema)
        /// Non-negative modulo, so negative ids (a careless source) still land in exactly one slice.
        func inSlice(_ column: String) -> String { "(\(column) % \(sliceCount) + \(sliceCount)) % \(sliceCount) = \(slice)" }
        return """
            COPY (
            WITH params AS (
                SELECT current_setting('reactivate.as_of')::date AS as_of,
                       current_setting('reactivate.tz') AS tz,
                       (current_setting('reactivate.as_of')::date::timestamp
                            AT TIME ZONE current_setting('reactivate.tz')) AS cutoff,
                       current_setting('reactivate.freshness_days')::int AS freshness_days,
                       current_setting('reactivate.pre_days')::int AS pre_days
            ),
            members AS (
                SELECT DISTINCT ON (m.member_id) m.member_id, m.joined_at, m.marketing_consent, m.opted_out_at
                FROM \(s).members m, params p
                WHERE m.joined_at < p.cutoff AND \(inSlice("m.member_id"))
                ORDER BY m.member_id, m.joined_at
            ),
            days AS (
                SELECT t.member_id,
                       (t.occurred_at AT TIME ZONE p.tz)::date - DATE '2000-01-01' AS day,
                       sum(t.amount) AS net,
                       sum(t.amount) FILTER (WHERE t.amount > 0) AS gross
                FROM \(s).transactions t, params p
                WHERE t.occurred_at < p.cutoff AND \(inSlice("t.member_id"))
                GROUP BY 1, 2
            ),
            history AS (
                SELECT d.member_id,
                       min(d.day) FILTER (WHERE d.gross > 0) AS first_day,
                       max(d.day) FILTER (WHERE d.gross > 0) AS last_day,
                       count(*) FILTER (WHERE d.gross > 0) AS purchase_days,
                       coalesce(sum(d.gross), 0) AS gross,
                       coalesce(sum(d.net) FILTER (WHERE d.day >= (p.as_of - DATE '2000-01-01') - p.pre_days), 0) AS pre_sales
                FROM days d, params p
                GROUP BY d.member_id
            ),
            channel_state AS (
                SELECT c.member_id, c.channel,
                       CASE WHEN c.verified_at IS NULL OR c.verified_at >= p.cutoff THEN 0
                            WHEN f.failed IS NOT NULL AND (f.delivered IS NULL OR f.failed > f.delivered) THEN 1
                            ELSE 2 END AS state,
                       (f.delivered AT TIME ZONE p.tz)::date - DATE '2000-01-01' AS delivered_day
                FROM \(s).member_channels c, params p,
                     LATERAL (SELECT CASE WHEN c.last_delivered_at < p.cutoff THEN c.last_delivered_at END AS delivered,
                                     CASE WHEN c.last_failed_at < p.cutoff THEN c.last_failed_at END AS failed) f
                WHERE \(inSlice("c.member_id"))
            ),
            channels AS (
                SELECT member_id,
                       max(state) FILTER (WHERE channel = 'wechat_card') AS card_state,
                       max(delivered_day) FILTER (WHERE channel = 'wechat_card') AS card_day,
                       max(state) FILTER (WHERE channel = 'wechat_oa') AS oa_state,
                       max(delivered_day) FILTER (WHERE channel = 'wechat_oa') AS oa_day,
                       max(state) FILTER (WHERE channel = 'sms') AS sms_state,
                       max(delivered_day) FILTER (WHERE channel = 'sms') AS sms_day,
                       max(state) FILTER (WHERE channel = 'moments_ad') AS ad_state,
                       max(delivered_day) FILTER (WHERE channel = 'moments_ad') AS ad_day
                FROM channel_state GROUP BY member_id
            ),
            location AS (
                SELECT DISTINCT ON (l.member_id) l.member_id, l.latitude, l.longitude,
                       (l.observed_at AT TIME ZONE p.tz)::date - DATE '2000-01-01' AS observed_day
                FROM \(s).member_locations l, params p
                WHERE l.observed_at < p.cutoff
                  AND l.observed_at >= p.cutoff - make_interval(days => p.freshness_days)
                  AND \(inSlice("l.member_id"))
                ORDER BY l.member_id, l.observed_at DESC, l.latitude, l.longitude
            )
            SELECT m.member_id,
                   ((m.joined_at AT TIME ZONE p.tz)::date - DATE '2000-01-01')::int4,
                   coalesce(m.marketing_consent, false),
                   coalesce(m.opted_out_at < p.cutoff, false),
                   h.first_day::int4, h.last_day::int4, coalesce(h.purchase_days, 0)::int4,
                   (coalesce(h.gross, 0) * 100)::int8, (coalesce(h.pre_sales, 0) * 100)::int8,
                   coalesce(c.card_state, 0)::int2, c.card_day::int4,
                   coalesce(c.oa_state, 0)::int2, c.oa_day::int4,
                   coalesce(c.sms_state, 0)::int2, c.sms_day::int4,
                   coalesce(c.ad_state, 0)::int2, c.ad_day::int4,
                   l.latitude, l.longitude, l.observed_day::int4
            FROM members m CROSS JOIN params p
            LEFT JOIN history h USING (member_id)
            LEFT JOIN channels c USING (member_id)
            LEFT JOIN location l USING (member_id)
            ) TO STDOUT (FORMAT binary)
            """
    }
}
