/// Minimum detectable effects and required control sizes for a wave, by the normal approximation.
///
/// Answers "can this holdout see the lift we hope for?" before coupons go out. For arm sizes
/// n_T, n_C and per-member standard deviation σ the smallest true difference detected with
/// probability `power` by a two-sided test at level `alpha` is
/// (z_{1−α/2} + z_{power}) · σ · √(1/n_T + 1/n_C).
/// For rates σ = √(p₀(1 − p₀)) with the baseline rate p₀ in both arms: the variance under the null,
/// slightly optimistic when the lift raises the treatment rate towards ½.
public struct PowerAnalysis: Sendable, Hashable, Codable {
    /// Two-sided significance level.
    public let alpha: Double
    /// Probability of detecting an effect of exactly the minimum detectable size.
    public let power: Double

    /// α = 0.05 two-sided, power 0.8: the usual planning convention.
    public static let conventional = PowerAnalysis(checkedAlpha: 0.05, power: 0.8)

    /// - Throws: ``StatisticsInputError`` unless 0 < alpha < 1 and 0 < power < 1.
    public init(alpha: Double = 0.05, power: Double = 0.8) throws(StatisticsInputError) {
        try StatisticsInputError.requireOpenUnitInterval(alpha, "alpha")
        try StatisticsInputError.requireOpenUnitInterval(power, "power")
        self.init(checkedAlpha: alpha, power: power)
    }

    private init(checkedAlpha alpha: Double, power: Double) {
        self.alpha = alpha
        self.power = power
    }

    /// z_{1−α/2} + z_{power}, the number of standard errors between null and detectable effect.
    public var multiplier: Double {
        NormalDistribution.upperQuantile(tail: alpha / 2) + (NormalDistribution.quantile(power) ?? .nan)
    }

    /// Smallest detectable difference in means (same unit as `standardDeviation`).
    ///
    /// - Returns: nil when an arm is empty or the standard deviation is negative or not finite.
    public func minimumDetectableEffect(
        standardDeviation: Double, treatmentCount: Int64, controlCount: Int64
    ) -> Double? {
        guard standardDeviation >= 0, standardDeviation.isFinite, treatmentCount > 0, controlCount > 0 else {
            return nil
        }
        return multiplier * standardDeviation * (1 / Double(treatmentCount) + 1 / Double(controlCount)).squareRoot()
    }

    /// Smallest detectable difference in rates (e.g. reactivation), with variance p₀(1 − p₀) in both arms.
    ///
    /// - Returns: nil when an arm is empty or `baselineRate` is outside [0, 1].
    public func minimumDetectableRateDifference(
        baselineRate: Double, treatmentCount: Int64, controlCount: Int64
    ) -> Double? {
        guard baselineRate >= 0, baselineRate <= 1 else { return nil }
        return minimumDetectableEffect(
            standardDeviation: (baselineRate * (1 - baselineRate)).squareRoot(),
            treatmentCount: treatmentCount, controlCount: controlCount)
    }

    /// Smallest control arm that detects a difference in means of `effect` given `treatmentCount` treated.
    ///
    /// Solves (z_{1−α/2} + z_{power})² σ² (1/n_T + 1/n_C) ≤ effect² for n_C; at least 2, the
    /// fewest members for which a Welch interval exists.
    ///
    /// - Returns: nil when no control size suffices (the treatment arm alone already carries too
    ///   much noise, or effect is 0), or the inputs are invalid (σ < 0, n_T < 1, non-finite values).
    public func requiredControlCount(
        forEffect effect: Double, standardDeviation: Double, treatmentCount: Int64
    ) -> Int64? {
        guard effect.isFinite, effect != 0, standardDeviation >= 0, standardDeviation.isFinite,
            treatmentCount > 0
        else { return nil }
        let noise = multiplier * standardDeviation
        // 1/n_C ≤ (effect / noise)² − 1/n_T
        let budget = (effect / noise) * (effect / noise) - 1 / Double(treatmentCount)
        guard budget > 0 else { return nil }
        let exact = (1 / budget).rounded(.up)
        guard exact < Double(Int64.max) else { return nil }
        var count = max(2, Int64(exact))
        // `budget` carries rounding error: step up (a few members at most) until the inequality holds.
        for _ in 0..<8 {
            guard let detectable = minimumDetectableEffect(
                standardDeviation: standardDeviation, treatmentCount: treatmentCount, controlCount: count),
                detectable > abs(effect), count < Int64.max
            else { break }
            count += 1
        }
        return count
    }

    /// Smallest control arm that detects a rate difference of `rateDifference` from `baselineRate`.
    ///
    /// - Returns: nil as for ``requiredControlCount(forEffect:standardDeviation:treatmentCount:)``,
    ///   or when `baselineRate` is outside [0, 1].
    public func requiredControlCount(
        forRateDifference rateDifference: Double, baselineRate: Double, treatmentCount: Int64
    ) -> Int64? {
        guard baselineRate >= 0, baselineRate <= 1 else { return nil }
        return requiredControlCount(
            forEffect: rateDifference, standardDeviation: (baselineRate * (1 - baselineRate)).squareRoot(),
            treatmentCount: treatmentCount)
    }
}
