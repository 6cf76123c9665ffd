/// Everything attribution reports for one comparison (campaign, store or segment): incremental
/// sales by Welch and by CUPED, reactivation lift, coupon cost and the net effect.
///
/// Money is in cents. Computed only from the two arms' exact sums, so the same members give
/// bit-identical numbers whichever workers accumulated them and in whatever order.
public struct AttributionEstimate: Sendable, Hashable, Codable {
    /// Nominal coverage of every interval in this estimate.
    public let confidenceLevel: Double
    /// Members in the treatment arm (n_T), the multiplier from per-member to total effect.
    public let treatmentCount: Int64
    /// Members in the control (holdout) arm.
    public let controlCount: Int64

    /// Welch comparison of sales per member (Y, cents).
    public let salesPerMember: MeanDifferenceEstimate
    /// (mean Y_T − mean Y_C) × n_T: what the treated members bought because of the coupon.
    public let incrementalSalesCents: Double?
    /// The Welch interval of the difference scaled by n_T.
    public let incrementalSalesInterval: ConfidenceInterval?

    /// CUPED comparison of sales per member with pre-period sales as covariate.
    public let cuped: CUPEDEstimate
    /// CUPED-adjusted difference × n_T.
    public let cupedIncrementalSalesCents: Double?
    /// The CUPED interval of the adjusted difference scaled by n_T.
    public let cupedIncrementalSalesInterval: ConfidenceInterval?

    /// Reactivation rates and their difference (Newcombe hybrid score interval).
    public let reactivation: ProportionDifferenceEstimate

    /// Redeemed coupons in the treatment arm (control members get no coupon).
    public let redemptions: Int64
    /// Σ face value of the treatment arm's redeemed coupons, in cents.
    public let couponCostCents: Int128
    /// incrementalSales − couponCost.
    public let netIncrementalSalesCents: Double?
    /// The incremental-sales interval shifted by −couponCost (the cost is known exactly).
    public let netIncrementalSalesInterval: ConfidenceInterval?
    /// incrementalSales / couponCost: sales caused per unit of coupon value (subtract 1 for the net
    /// return). nil when nothing was redeemed, rather than ±∞.
    public let incrementalSalesPerCouponCost: Double?

    /// Estimates the effect of the coupons from the two arms' statistics.
    ///
    /// Undefined quantities (an empty arm, a single member, no variance, a constant covariate,
    /// no coupon cost) are nil with the reason in the sub-estimates' `status`; nothing is NaN.
    ///
    /// - Throws: ``StatisticsInputError`` when `confidenceLevel` is not strictly between 0 and 1.
    public init(
        treatment: ArmStatistics, control: ArmStatistics, confidenceLevel: Double = 0.95
    ) throws(StatisticsInputError) {
        try StatisticsInputError.requireOpenUnitInterval(confidenceLevel, "confidenceLevel")
        self.confidenceLevel = confidenceLevel
        treatmentCount = treatment.count
        controlCount = control.count
        let treated = Double(treatment.count)

        let sales = MeanDifferenceEstimate(
            treatment: treatment.salesMoments, control: control.salesMoments, confidenceLevel: confidenceLevel)
        salesPerMember = sales
        incrementalSalesCents = sales.difference.map { $0 * treated }
        incrementalSalesInterval = sales.interval?.scaled(by: treated)

        cuped = CUPEDEstimate(
            treatment: treatment, control: control, unadjusted: sales, confidenceLevel: confidenceLevel)
        cupedIncrementalSalesCents = cuped.adjusted?.difference.map { $0 * treated }
        cupedIncrementalSalesInterval = cuped.adjusted?.interval?.scaled(by: treated)

        reactivation = Self.reactivation(treatment, control, confidenceLevel)

        redemptions = treatment.redeemedCount
        couponCostCents = treatment.sumRedeemedFaceValueCents
        let cost = Double(couponCostCents)
        netIncrementalSalesCents = incrementalSalesCents.map { $0 - cost }
        netIncrementalSalesInterval = incrementalSalesInterval?.shifted(by: -cost)
        incrementalSalesPerCouponCost = couponCostCents > 0 ? incrementalSalesCents.map { $0 / cost } : nil
    }

    /// Arm statistics always hold valid counts and the level is checked, so this cannot fail;
    /// the fallback only exists to keep the library free of `try!`.
    private static func reactivation(
        _ treatment: ArmStatistics, _ control: ArmStatistics, _ level: Double
    ) -> ProportionDifferenceEstimate {
        do {
            return try ProportionDifferenceEstimate(treatment: treatment, control: control, confidenceLevel: level)
        } catch {
            return ProportionDifferenceEstimate(undefinedFor: treatment, control)
        }
    }
}

extension ProportionDifferenceEstimate {
    /// An estimate with every derived field nil, for inputs that cannot be compared.
    init(undefinedFor treatment: ArmStatistics, _ control: ArmStatistics) {
        treatmentCount = treatment.count
        controlCount = control.count
        treatmentSuccesses = treatment.reactivatedCount
        controlSuccesses = control.reactivatedCount
        (treatmentRate, controlRate, difference, standardError, interval) = (nil, nil, nil, nil, nil)
        status = .emptyArm
    }
}
