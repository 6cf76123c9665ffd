/// The whole campaign's effect from its waves' estimates, stratified by wave.
///
/// Pooling every wave's members into one Welch comparison would mix waves with different arm shares and
/// seasons (Simpson's paradox); instead each wave's incremental sales are summed and, the waves being
/// independent randomizations, their variances add. Intervals use the normal quantile.
public struct CampaignRollup: Sendable, Equatable {
    public var waves = 0
    public var incrementalSalesCents: Double?
    public var interval: ConfidenceInterval?
    public var cupedIncrementalSalesCents: Double?
    public var cupedInterval: ConfidenceInterval?
    public var couponCostCents: Double = 0
    public var netIncrementalSalesCents: Double?
    public var netInterval: ConfidenceInterval?
    /// Treated-weighted mean reactivation lift and its interval.
    public var reactivationLift: Double?
    public var reactivationInterval: ConfidenceInterval?

    public init(_ estimates: [AttributionEstimate], confidenceLevel: Double) {
        waves = estimates.count
        guard !estimates.isEmpty, let z = NormalDistribution.quantile(1 - (1 - confidenceLevel) / 2), z.isFinite else { return }
        couponCostCents = estimates.reduce(0) { $0 + Double($1.couponCostCents) }

        /// Σ nᵀ·Δ and √Σ (nᵀ·SE)², or nil when any wave lacks an estimate.
        func total(_ parts: [(difference: Double?, standardError: Double?, treated: Int64)]) -> (Double, ConfidenceInterval)? {
            var sum = 0.0, variance = 0.0
            for part in parts {
                guard let difference = part.difference, let standardError = part.standardError else { return nil }
                sum += difference * Double(part.treated)
                variance += (standardError * Double(part.treated)) * (standardError * Double(part.treated))
            }
            let half = z * variance.squareRoot()
            return (sum, ConfidenceInterval(lower: sum - half, upper: sum + half, level: confidenceLevel))
        }
        if let (sum, interval) = total(estimates.map { ($0.salesPerMember.difference, $0.salesPerMember.standardError, $0.treatmentCount) }) {
            incrementalSalesCents = sum
            self.interval = interval
            netIncrementalSalesCents = sum - couponCostCents
            netInterval = interval.shifted(by: -couponCostCents)
        }
        if let (sum, interval) = total(estimates.map {
            ($0.cuped.adjusted?.difference, $0.cuped.adjusted?.standardError, $0.treatmentCount)
        }) {
            cupedIncrementalSalesCents = sum
            cupedInterval = interval
        }
        let treated = estimates.reduce(0.0) { $0 + Double($1.treatmentCount) }
        if treated > 0, let (sum, interval) = total(estimates.map {
            ($0.reactivation.difference, $0.reactivation.standardError, $0.treatmentCount)
        }) {
            reactivationLift = sum / treated
            reactivationInterval = interval.scaled(by: 1 / treated)
        }
    }
}
