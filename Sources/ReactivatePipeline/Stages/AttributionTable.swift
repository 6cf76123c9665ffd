import Postgres
import ReactivateCore

/// The one writer of `reactivation.attribution` and `attribution_daily`: a wave's observation in a
/// mode, keyed by the date it observed through. Only that same observation is ever replaced.
enum AttributionTable {
    struct Observation {
        var plan: RunPlan
        var wave: CalendarDay
        var complete: Bool
    }

    /// Replaces this observation's rows of the given keys (`all_waves` apart from the wave's own rows).
    static func replace(_ rows: [AttributionRow], rollup: Bool, of observation: Observation, connection: Connection) throws {
        let plan = observation.plan
        let keyFilter: SQL = rollup ? "key = 'all_waves'" : "key <> 'all_waves'"
        try connection.query(
            """
            DELETE FROM reactivation.attribution
            WHERE campaign = \(plan.campaign) AND as_of = \(observation.wave)::date AND window_days = \(plan.config.windowDays)
              AND mode = \(plan.mode) AND observed_through = \(plan.asOf)::date AND \(keyFilter)
            """, operation: "replace this observation's attribution")
        try connection.copyIn(
            """
            COPY reactivation.attribution (campaign, as_of, mode, observed_through, window_days, complete, level, key, n_treatment, n_control,
              reactivated_treatment, reactivated_control, sales_treatment, sales_control, reactivation_lift,
              reactivation_ci_low, reactivation_ci_high, sales_per_member_diff, incremental_sales, ci_low, ci_high,
              cuped_incremental_sales, cuped_ci_low, cuped_ci_high, redemptions, coupon_cost, net_incremental_sales,
              net_ci_low, net_ci_high, return_per_cost) FROM STDIN (FORMAT binary)
            """, operation: "write attribution"
        ) { writer in
            for row in rows {
                writer.encoder.beginRow(fieldCount: 30)
                writer.encoder.append(plan.campaign)
                writer.encoder.appendDate(observation.wave.number)
                writer.encoder.append(plan.mode.rawValue)
                writer.encoder.appendDate(plan.asOf.number)
                writer.encoder.append(Int32(plan.config.windowDays))
                writer.encoder.append(observation.complete)
                writer.encoder.append(row.level)
                writer.encoder.append(row.key)
                writer.encoder.append(row.arms.treatment.count)
                writer.encoder.append(row.arms.control.count)
                writer.encoder.append(row.arms.treatment.reactivatedCount)
                writer.encoder.append(row.arms.control.reactivatedCount)
                writer.encoder.append(PostgresNumeric(unscaled: row.arms.treatment.sumSalesCents, scale: 2))
                writer.encoder.append(PostgresNumeric(unscaled: row.arms.control.sumSalesCents, scale: 2))
                writer.encoder.append(row.reactivationLift)
                writer.encoder.append(row.reactivationInterval?.lower)
                writer.encoder.append(row.reactivationInterval?.upper)
                writer.encoder.append(row.salesPerMemberDifference)
                writer.encoder.append(row.incrementalSales)
                writer.encoder.append(row.interval?.lower)
                writer.encoder.append(row.interval?.upper)
                writer.encoder.append(row.cupedIncrementalSales)
                writer.encoder.append(row.cupedInterval?.lower)
                writer.encoder.append(row.cupedInterval?.upper)
                writer.encoder.append(row.redemptions)
                writer.encoder.append(PostgresNumeric(unscaled: row.couponCostCents, scale: 2))
                writer.encoder.append(row.netIncrementalSales)
                writer.encoder.append(row.netInterval?.lower)
                writer.encoder.append(row.netInterval?.upper)
                writer.encoder.append(row.returnPerCost)
                try writer.rowDone()
            }
        }
    }

    /// Replaces this observation's cumulative daily series.
    static func replaceDaily(
        _ statistics: AttributeStage.WaveStatistics, observedDays: Int, of observation: Observation, connection: Connection
    ) throws {
        let plan = observation.plan
        try connection.query(
            """
            DELETE FROM reactivation.attribution_daily
            WHERE campaign = \(plan.campaign) AND as_of = \(observation.wave)::date AND mode = \(plan.mode)
              AND observed_through = \(plan.asOf)::date
            """, operation: "replace this observation's attribution_daily")
        try connection.copyIn(
            "COPY reactivation.attribution_daily (campaign, as_of, mode, observed_through, day, arm, members, cumulative_sales, cumulative_reactivated) FROM STDIN (FORMAT binary)",
            operation: "write attribution_daily"
        ) { writer in
            for arm in Arm.allCases {
                let members = arm == .treatment ? statistics.total.treatment.count : statistics.total.control.count
                var sales: Int64 = 0
                var reactivated: Int64 = 0
                for day in 0..<observedDays {
                    sales += statistics.dailySalesCents[arm.rawValue]?[day] ?? 0
                    reactivated += statistics.dailyFirstPurchasers[arm.rawValue]?[day] ?? 0
                    writer.encoder.beginRow(fieldCount: 9)
                    writer.encoder.append(plan.campaign)
                    writer.encoder.appendDate(observation.wave.number)
                    writer.encoder.append(plan.mode.rawValue)
                    writer.encoder.appendDate(plan.asOf.number)
                    writer.encoder.append(Int32(day + 1))
                    writer.encoder.append(arm.rawValue)
                    writer.encoder.append(members)
                    writer.encoder.appendCents(sales)
                    writer.encoder.append(reactivated)
                    try writer.rowDone()
                }
            }
        }
    }
}
