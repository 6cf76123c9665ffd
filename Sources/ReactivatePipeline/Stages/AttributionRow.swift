import Postgres
import ReactivateCore

/// One row of `reactivation.attribution`, in the table's units (yuan, fractions), built either from a
/// wave's estimate at one level and key or from the campaign's roll-up over waves.
struct AttributionRow: Sendable {
    var level: String
    var key: String
    var arms: AttributeStage.WaveStatistics.Arms
    var reactivationLift: Double?
    var reactivationInterval: ConfidenceInterval?
    var salesPerMemberDifference: Double?
    var incrementalSales: Double?
    var interval: ConfidenceInterval?
    var cupedIncrementalSales: Double?
    var cupedInterval: ConfidenceInterval?
    var redemptions: Int64
    var couponCostCents: Int128
    var netIncrementalSales: Double?
    var netInterval: ConfidenceInterval?
    var returnPerCost: Double?

    init(level: String, key: String, arms: AttributeStage.WaveStatistics.Arms, confidence: Double) throws {
        let estimate = try AttributionEstimate(treatment: arms.treatment, control: arms.control, confidenceLevel: confidence)
        self.level = level
        self.key = key
        self.arms = arms
        reactivationLift = estimate.reactivation.difference
        reactivationInterval = estimate.reactivation.interval
        salesPerMemberDifference = estimate.salesPerMember.difference.map { $0 / 100 }
        incrementalSales = estimate.incrementalSalesCents.map { $0 / 100 }
        interval = estimate.incrementalSalesInterval.map(Self.yuan)
        cupedIncrementalSales = estimate.cupedIncrementalSalesCents.map { $0 / 100 }
        cupedInterval = estimate.cupedIncrementalSalesInterval.map(Self.yuan)
        redemptions = estimate.redemptions
        couponCostCents = estimate.couponCostCents
        netIncrementalSales = estimate.netIncrementalSalesCents.map { $0 / 100 }
        netInterval = estimate.netIncrementalSalesInterval.map(Self.yuan)
        returnPerCost = estimate.incrementalSalesPerCouponCost
    }

    /// The campaign so far (level 'campaign', key 'all_waves'): effects summed wave by wave.
    init(rollup: CampaignRollup, arms: AttributeStage.WaveStatistics.Arms) {
        level = "campaign"
        key = "all_waves"
        self.arms = arms
        reactivationLift = rollup.reactivationLift
        reactivationInterval = rollup.reactivationInterval
        salesPerMemberDifference = nil
        incrementalSales = rollup.incrementalSalesCents.map { $0 / 100 }
        interval = rollup.interval.map(Self.yuan)
        cupedIncrementalSales = rollup.cupedIncrementalSalesCents.map { $0 / 100 }
        cupedInterval = rollup.cupedInterval.map(Self.yuan)
        redemptions = arms.treatment.redeemedCount
        couponCostCents = Int128(Int64(rollup.couponCostCents.rounded()))
        netIncrementalSales = rollup.netIncrementalSalesCents.map { $0 / 100 }
        netInterval = rollup.netInterval.map(Self.yuan)
        returnPerCost = rollup.couponCostCents > 0 ? rollup.incrementalSalesCents.map { $0 / rollup.couponCostCents } : nil
    }

    private static func yuan(_ cents: ConfidenceInterval) -> ConfidenceInterval {
        ConfidenceInterval(lower: cents.lower / 100, upper: cents.upper / 100, level: cents.level)
    }
}
