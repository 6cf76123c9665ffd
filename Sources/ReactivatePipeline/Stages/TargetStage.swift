import Foundation
import Logging
import Postgres
import ReactivateCore

/// Picks the wave's targets: dormant, reachable, consenting members within the radius of an open store,
/// placed by quota and budget, split into treatment and control by the keyed holdout hash.
///
/// Reads the extract and score artifacts plus the stores open on D and recent coupons (cooldown);
/// writes both arms to `reactivation.targets` in one transaction (live and backfill runs; a dry run
/// only reports). The funnel and the power analysis go into the run's stats.
public struct TargetStage: Stage {
    public let name = StageName.target

    public init() {}

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        let (histories, _) = try MemberHistories.read(path: context.artifactPath(.extract))
        let scores = try MemberScores.read(path: context.artifactPath(.score))
        let connection = try context.connect()
        let stores = try Self.openStores(connection, schema: config.sourceSchema, asOf: context.asOf)
        let cooldown = try Self.cooldownMembers(connection, config: config, asOf: context.asOf)
        let selection = try TargetSelection(config: config, asOfDay: context.asOfDay)
        let outcome = selection.select(histories: histories, scores: scores, stores: stores.valid, cooldownMembers: cooldown)
        // A backfill never replaces the targets of a wave that really went out: coupons refer to them.
        let liveWave = try connection.query(
            "SELECT count(*) FROM reactivation.waves WHERE campaign = $1 AND as_of = $2::date",
            [config.campaign, context.asOf]).scalar != "0"
        let writes = context.mode == .live || (context.mode == .backfill && !liveWave)
        if writes {
            try Self.write(outcome.targets, context: context, connection: connection)
        }
        let power = WavePower.analyse(outcome.targets, config: config)
        if let warning = power.warning {
            context.logger.warning("control arm too small", metadata: ["detail": "\(warning)"])
        }
        let balance = HoldoutBalance(outcome.targets.map { (storeId: $0.storeId, arm: $0.arm) }, fraction: config.holdoutFraction)
        var funnel: [JSONValue] = []
        for (step, count) in outcome.funnel { funnel.append(["step": .string(step), "members": JSONValue(count)]) }
        var exclusions: [String: JSONValue] = [:]
        for (reason, count) in outcome.exclusions { exclusions[reason] = JSONValue(count) }
        exclusions["stores_invalid_location"] = JSONValue(stores.invalid)
        return StageResult(
            rowsIn: scores.count, rowsOut: outcome.targets.count,
            stats: [
                "funnel": .array(funnel), "exclusions": .object(exclusions), "power": power.json,
                "open_stores": JSONValue(stores.valid.count), "cooldown_members": JSONValue(cooldown.count),
                "holdout_balance": [
                    "chi_square": JSONValue(balance.chiSquare), "degrees_of_freedom": JSONValue(balance.degreesOfFreedom),
                    "p_value": JSONValue(balance.pValue),
                ],
                "written": .bool(writes),
            ])
    }

    /// Stores open on D (opened_on ≤ D or NULL, closed_on NULL or after D); invalid coordinates counted.
    static func openStores(_ connection: Connection, schema: String, asOf: String) throws -> (valid: [TargetSelection.Store], invalid: Int) {
        try Identifier.validate(schema, what: "source.schema")
        var valid: [TargetSelection.Store] = []
        var invalid = 0
        try connection.query("SELECT set_config('reactivate.as_of', $1, false)", [asOf])
        try connection.copyOut(
            """
            COPY (SELECT store_id, latitude, longitude FROM \(Connection.quoteIdentifier(schema)).stores
                  WHERE (opened_on IS NULL OR opened_on <= current_setting('reactivate.as_of')::date)
                    AND (closed_on IS NULL OR closed_on > current_setting('reactivate.as_of')::date)
                  ORDER BY store_id) TO STDOUT (FORMAT binary)
            """, fieldCount: 3, operation: "read open stores"
        ) { row in
            let point = GeoPoint(latitude: try row.optionalFloat64(1) ?? .nan, longitude: try row.optionalFloat64(2) ?? .nan)
            if point.isValid { valid.append(TargetSelection.Store(id: try row.int64(0), location: point)) } else { invalid += 1 }
        }
        return (valid, invalid)
    }

    /// Members who got a coupon from any campaign in the cooldown window before D (this wave excluded,
    /// so re-running a wave does not cool down its own members).
    static func cooldownMembers(_ connection: Connection, config: PipelineConfig, asOf: String) throws -> Set<Int64> {
        guard config.cooldownDays > 0 else { return [] }
        var members = Set<Int64>()
        try connection.query(
            "SELECT set_config('reactivate.as_of', $1, false), set_config('reactivate.tz', $2, false), set_config('reactivate.cooldown', $3, false), set_config('reactivate.campaign', $4, false)",
            [asOf, config.businessTimeZone, String(config.cooldownDays), config.campaign])
        try connection.copyOut(
            """
            COPY (SELECT DISTINCT member_id FROM reactivation.coupons,
                    LATERAL (SELECT current_setting('reactivate.as_of')::date::timestamp
                                    AT TIME ZONE current_setting('reactivate.tz') AS cutoff) p
                  WHERE issued_at >= p.cutoff - make_interval(days => current_setting('reactivate.cooldown')::int)
                    AND issued_at < p.cutoff + interval '1 day'
                    AND NOT (campaign = current_setting('reactivate.campaign')
                             AND as_of = current_setting('reactivate.as_of')::date)) TO STDOUT (FORMAT binary)
            """, fieldCount: 1, operation: "read cooldown members"
        ) { row in members.insert(try row.int64(0)) }
        return members
    }

    /// Replaces the wave's targets in one transaction.
    static func write(_ targets: [TargetSelection.Target], context: StageContext, connection: Connection) throws {
        try connection.transaction {
            try connection.query(
                "DELETE FROM reactivation.targets WHERE campaign = $1 AND as_of = $2::date",
                [context.config.campaign, context.asOf], operation: "replace targets")
            try connection.copyIn(
                """
                COPY reactivation.targets (run_id, campaign, as_of, member_id, store_id, distance_m, score, arm, segment, channel, pre_sales)
                FROM STDIN (FORMAT binary)
                """, operation: "write targets"
            ) { writer in
                for target in targets {
                    writer.encoder.beginRow(fieldCount: 11)
                    writer.encoder.append(context.runId)
                    writer.encoder.append(context.config.campaign)
                    writer.encoder.appendDate(context.asOfDay)
                    writer.encoder.append(target.memberId)
                    writer.encoder.append(target.storeId)
                    writer.encoder.append(target.distanceMeters)
                    writer.encoder.append(target.score)
                    writer.encoder.append(target.arm.rawValue)
                    writer.encoder.append(target.segment.rawValue)
                    writer.encoder.append(target.channel?.rawValue)
                    writer.encoder.appendCents(target.preSalesCents)
                    try writer.rowDone()
                }
            }
        }
    }
}
