/// A two-sided confidence interval with the level it was built for.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    /// Lower endpoint, never above ``upper``.
    public let lower: Double
    /// Upper endpoint.
    public let upper: Double
    /// Nominal coverage, e.g. 0.95.
    public let level: Double

    /// Endpoints are put in order, so scaling by a negative factor still gives lower ≤ upper.
    public init(lower: Double, upper: Double, level: Double) {
        self.lower = min(lower, upper)
        self.upper = max(lower, upper)
        self.level = level
    }

    /// upper − lower: what CUPED narrows and power analysis plans for.
    public var width: Double { upper - lower }

    /// Whether the interval covers a value, endpoints included.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// The interval for `factor × quantity`, e.g. per-member difference → total incremental sales.
    public func scaled(by factor: Double) -> ConfidenceInterval {
        ConfidenceInterval(lower: lower * factor, upper: upper * factor, level: level)
    }

    /// The interval for `quantity + offset`, e.g. incremental sales − a known coupon cost.
    public func shifted(by offset: Double) -> ConfidenceInterval {
        ConfidenceInterval(lower: lower + offset, upper: upper + offset, level: level)
    }
}

/// Why an estimate's optional fields are nil, so reports can say more than "n/a".
public enum EstimateStatus: String, Sendable, Hashable, Codable {
    /// Everything the estimator defines was computed.
    case estimated
    /// An arm has no members: means, difference and everything after them are nil.
    case emptyArm
    /// An arm has a single member: the difference exists, variance, SE, df and interval are nil.
    case tooFewMembers
    /// Both arms are constant: SE is 0, degrees of freedom and interval are nil (not a zero-width interval).
    case noVariance
    /// CUPED only: the covariate is constant over the pooled arms, so θ is undefined.
    case constantCovariate
}
