/// Difference in sales per member adjusted by the pre-period covariate (CUPED, Deng et al. 2013).
///
/// Y' = Y − θ (X − x̄) with θ = cov(X, Y) / var(X) estimated on both arms pooled. Because X is
/// measured before assignment, the adjustment keeps the estimate unbiased while removing the
/// part of the outcome's variance that pre-period spending explains, which narrows the interval.
public struct CUPEDEstimate: Sendable, Hashable, Codable {
    /// θ from the pooled arms; nil when the covariate is constant (or fewer than 2 members).
    public let theta: Double?
    /// x̄ over both arms, the centering point of the adjustment.
    public let pooledCovariateMean: Double?
    /// Welch comparison of the adjusted outcomes: means are adjusted means, variances are
    /// var(Y') = var(Y) − 2θ cov(X, Y) + θ² var(X) within each arm. nil when θ is undefined.
    public let adjusted: MeanDifferenceEstimate?
    /// 1 − SE²(adjusted) / SE²(unadjusted): the share of the difference's variance removed.
    /// nil when either standard error is undefined or the unadjusted one is 0.
    public let varianceReduction: Double?
    /// ``EstimateStatus/constantCovariate`` when θ is undefined although both arms have members,
    /// ``EstimateStatus/emptyArm`` when an arm is empty, otherwise the adjusted comparison's status.
    public let status: EstimateStatus

    /// CUPED comparison of the arms' sales, with pre-period sales as the covariate.
    ///
    /// - Throws: ``StatisticsInputError`` when `confidenceLevel` is not strictly between 0 and 1.
    public init(
        treatment: ArmStatistics, control: ArmStatistics, confidenceLevel: Double = 0.95
    ) throws(StatisticsInputError) {
        try StatisticsInputError.requireOpenUnitInterval(confidenceLevel, "confidenceLevel")
        let unadjusted = MeanDifferenceEstimate(
            treatment: treatment.salesMoments, control: control.salesMoments, confidenceLevel: confidenceLevel)
        self.init(treatment: treatment, control: control, unadjusted: unadjusted, confidenceLevel: confidenceLevel)
    }

    /// Shares the unadjusted Welch result the caller already computed; level already validated.
    init(
        treatment: ArmStatistics, control: ArmStatistics, unadjusted: MeanDifferenceEstimate,
        confidenceLevel: Double
    ) {
        let pooled = treatment + control
        pooledCovariateMean = pooled.meanPreSalesCents
        let theta: Double?
        if let covariance = pooled.salesPreSalesCovariance, let variance = pooled.preSalesVariance, variance > 0 {
            theta = covariance / variance
        } else {
            theta = nil
        }
        self.theta = theta
        guard let theta, let centre = pooledCovariateMean else {
            adjusted = nil
            varianceReduction = nil
            status = treatment.count == 0 || control.count == 0 ? .emptyArm : .constantCovariate
            return
        }
        let adjusted = MeanDifferenceEstimate(
            treatment: Self.adjustedMoments(treatment, theta: theta, centre: centre),
            control: Self.adjustedMoments(control, theta: theta, centre: centre),
            confidenceLevel: confidenceLevel)
        self.adjusted = adjusted
        status = adjusted.status
        if let adjustedError = adjusted.standardError, let error = unadjusted.standardError, error > 0 {
            varianceReduction = 1 - (adjustedError * adjustedError) / (error * error)
        } else {
            varianceReduction = nil
        }
    }

    /// The arm's mean and variance of Y' = Y − θ(X − centre), from its exact centered sums.
    static func adjustedMoments(_ arm: ArmStatistics, theta: Double, centre: Double) -> ArmMoments {
        guard let meanY = arm.meanSalesCents, let meanX = arm.meanPreSalesCents else {
            return ArmMoments(count: arm.count, mean: nil, variance: nil)
        }
        let mean = meanY - theta * (meanX - centre)
        guard let varianceY = arm.salesVariance, let varianceX = arm.preSalesVariance,
            let covariance = arm.salesPreSalesCovariance
        else {
            return ArmMoments(count: arm.count, mean: mean, variance: nil)
        }
        // Never negative in exact arithmetic (it is a sample variance); clamp rounding residue.
        let variance = max(0, varianceY - 2 * theta * covariance + theta * theta * varianceX)
        return ArmMoments(count: arm.count, mean: mean, variance: variance)
    }
}
