/// Difference of two arms' rates (reactivation) with Newcombe's hybrid score interval.
///
/// Newcombe (1998, method 10) combines each arm's Wilson score interval. Unlike the Wald interval
/// it stays inside [−1, 1], keeps close to nominal coverage for the small rates typical of sleeping
/// members, and is still defined when an arm has 0 % or 100 % reactivated (Wald collapses to a
/// zero-width interval there).
public struct ProportionDifferenceEstimate: Sendable, Hashable, Codable {
    /// Members per arm.
    public let treatmentCount: Int64
    public let controlCount: Int64
    /// Members counted as successes (reactivated) per arm.
    public let treatmentSuccesses: Int64
    public let controlSuccesses: Int64
    /// Successes / members; nil for an empty arm.
    public let treatmentRate: Double?
    public let controlRate: Double?
    /// Treatment rate − control rate.
    public let difference: Double?
    /// Unpooled Wald standard error √(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C), for reference; may be 0.
    public let standardError: Double?
    /// Newcombe hybrid score interval.
    public let interval: ConfidenceInterval?
    /// ``EstimateStatus/emptyArm`` when a rate is undefined, otherwise ``EstimateStatus/estimated``.
    public let status: EstimateStatus

    /// Compares the arms' reactivation rates.
    ///
    /// - Throws: ``StatisticsInputError`` when `confidenceLevel` is not strictly between 0 and 1.
    public init(
        treatment: ArmStatistics, control: ArmStatistics, confidenceLevel: Double = 0.95
    ) throws(StatisticsInputError) {
        try self.init(
            treatmentSuccesses: treatment.reactivatedCount, treatmentCount: treatment.count,
            controlSuccesses: control.reactivatedCount, controlCount: control.count,
            confidenceLevel: confidenceLevel)
    }

    /// Compares two rates given as counts.
    ///
    /// - Throws: ``StatisticsInputError`` for a confidence level outside (0, 1), negative counts,
    ///   or more successes than members.
    public init(
        treatmentSuccesses: Int64, treatmentCount: Int64,
        controlSuccesses: Int64, controlCount: Int64,
        confidenceLevel: Double = 0.95
    ) throws(StatisticsInputError) {
        try StatisticsInputError.requireOpenUnitInterval(confidenceLevel, "confidenceLevel")
        for (name, successes, count) in [
            ("treatmentSuccesses", treatmentSuccesses, treatmentCount),
            ("controlSuccesses", controlSuccesses, controlCount),
        ] where !(count >= 0 && successes >= 0 && successes <= count) {
            throw StatisticsInputError(
                parameter: name, value: "\(successes) of \(count)",
                requirement: "between 0 and a non-negative member count")
        }
        self.treatmentCount = treatmentCount
        self.controlCount = controlCount
        self.treatmentSuccesses = treatmentSuccesses
        self.controlSuccesses = controlSuccesses
        treatmentRate = treatmentCount > 0 ? Double(treatmentSuccesses) / Double(treatmentCount) : nil
        controlRate = controlCount > 0 ? Double(controlSuccesses) / Double(controlCount) : nil
        guard let rateT = treatmentRate, let rateC = controlRate else {
            (difference, standardError, interval) = (nil, nil, nil)
            status = .emptyArm
            return
        }
        let difference = rateT - rateC
        self.difference = difference
        standardError = (rateT * (1 - rateT) / Double(treatmentCount) + rateC * (1 - rateC) / Double(controlCount))
            .squareRoot()
        let z = NormalDistribution.upperQuantile(tail: (1 - confidenceLevel) / 2)
        let wilsonT = Self.wilson(successes: treatmentSuccesses, count: treatmentCount, z: z)
        let wilsonC = Self.wilson(successes: controlSuccesses, count: controlCount, z: z)
        let below = ((rateT - wilsonT.lower) * (rateT - wilsonT.lower)
            + (wilsonC.upper - rateC) * (wilsonC.upper - rateC)).squareRoot()
        let above = ((wilsonT.upper - rateT) * (wilsonT.upper - rateT)
            + (rateC - wilsonC.lower) * (rateC - wilsonC.lower)).squareRoot()
        interval = ConfidenceInterval(
            lower: max(-1, difference - below), upper: min(1, difference + above), level: confidenceLevel)
        status = .estimated
    }

    /// Wilson score interval for one rate; exact 0 / 1 endpoints at 0 % / 100 %.
    static func wilson(successes: Int64, count: Int64, z: Double) -> (lower: Double, upper: Double) {
        let n = Double(count)
        let rate = Double(successes) / n
        let zSquared = z * z
        let denominator = 1 + zSquared / n
        let center = (rate + zSquared / (2 * n)) / denominator
        let halfWidth = z * (rate * (1 - rate) / n + zSquared / (4 * n * n)).squareRoot() / denominator
        let lower = successes == 0 ? 0 : max(0, center - halfWidth)
        let upper = successes == count ? 1 : min(1, center + halfWidth)
        return (lower, upper)
    }
}
