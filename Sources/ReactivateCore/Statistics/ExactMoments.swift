/// Centered second moments from exact integer sums, rounded once at the very end.
///
/// The textbook Σy² − (Σy)²/n cancels catastrophically when the mean is large against the
/// spread. Here n·Σab − Σa·Σb (= n·Σ(a − ā)(b − b̄)) is formed exactly in 256-bit arithmetic and only
/// then converted to `Double`, so variances and covariances are correct to a few ulps however the
/// members were partitioned or ordered.
enum ExactMoments {
    /// A signed 256-bit integer as two's complement (high, low) halves; only what the moments need.
    struct Wide: Sendable, Hashable {
        var high: Int128
        var low: UInt128

        var isNegative: Bool { high < 0 }

        /// Nearest Double (within about one ulp: two roundings), computed on the magnitude so a
        /// small negative value is not lost to cancellation between the halves.
        var doubleValue: Double {
            if isNegative {
                let magnitudeLow = ~low &+ 1
                let magnitudeHigh = UInt128(bitPattern: ~high) &+ (low == 0 ? 1 : 0)
                return -(Double(magnitudeHigh) * 0x1p128 + Double(magnitudeLow))
            }
            return Double(UInt128(bitPattern: high)) * 0x1p128 + Double(low)
        }

        static func product(_ lhs: Int128, _ rhs: Int128) -> Wide {
            let full = lhs.multipliedFullWidth(by: rhs)
            return Wide(high: full.high, low: full.low)
        }

        static func - (lhs: Wide, rhs: Wide) -> Wide {
            let (low, borrow) = lhs.low.subtractingReportingOverflow(rhs.low)
            return Wide(high: lhs.high &- rhs.high &- (borrow ? 1 : 0), low: low)
        }
    }

    /// n·Σab − Σa·Σb, exactly.
    static func centeredProduct(_ n: Int64, _ sumA: Int128, _ sumB: Int128, _ sumAB: Int128) -> Wide {
        Wide.product(Int128(n), sumAB) - Wide.product(sumA, sumB)
    }

    /// Sample covariance Σ(a − ā)(b − b̄)/(n − 1); nil when n < 2.
    static func covariance(_ n: Int64, _ sumA: Int128, _ sumB: Int128, _ sumAB: Int128) -> Double? {
        guard n >= 2 else { return nil }
        return centeredProduct(n, sumA, sumB, sumAB).doubleValue / (Double(n) * Double(n - 1))
    }

    /// Σa / n; nil when n = 0.
    static func mean(_ n: Int64, _ sum: Int128) -> Double? {
        guard n > 0 else { return nil }
        return Double(sum) / Double(n)
    }
}

/// Per-arm moments used by the estimators, all derived from the exact sums.
struct ArmMoments: Sendable, Hashable {
    var count: Int64
    var mean: Double?
    /// Sample variance (n − 1 denominator); nil when n < 2.
    var variance: Double?
}

extension ArmStatistics {
    /// Mean outcome Y in cents; nil for an empty arm.
    public var meanSalesCents: Double? { ExactMoments.mean(count, sumSalesCents) }

    /// Mean pre-period covariate X in cents; nil for an empty arm.
    public var meanPreSalesCents: Double? { ExactMoments.mean(count, sumPreSalesCents) }

    /// Sample variance of Y (n − 1 denominator), in cents²; nil when n < 2.
    public var salesVariance: Double? {
        ExactMoments.covariance(count, sumSalesCents, sumSalesCents, sumSquaredSalesCents)
    }

    /// Sample variance of X, in cents²; nil when n < 2.
    public var preSalesVariance: Double? {
        ExactMoments.covariance(count, sumPreSalesCents, sumPreSalesCents, sumSquaredPreSalesCents)
    }

    /// Sample covariance of X and Y, in cents²; nil when n < 2.
    public var salesPreSalesCovariance: Double? {
        ExactMoments.covariance(count, sumSalesCents, sumPreSalesCents, sumSalesTimesPreSalesCents)
    }

    /// Share of members reactivated; nil for an empty arm.
    public var reactivationRate: Double? {
        count > 0 ? Double(reactivatedCount) / Double(count) : nil
    }

    var salesMoments: ArmMoments { ArmMoments(count: count, mean: meanSalesCents, variance: salesVariance) }
}
