/// Exact, mergeable sufficient statistics for one arm (treatment or control) of a wave.
///
/// Every field is an integer sum, so accumulating members in any order, over any partition of
/// the members, and merging the partial results in any order gives the identical value: workers
/// over slices of the member-id hash space combine without drift, and every estimate derived
/// from the merged value is bit-for-bit reproducible.
///
/// Squares and cross-products are `Int128`: cents² overflow `Int64` after a handful of large
/// members. With |amount| ≤ ``MemberOutcome/maximumMagnitudeCents`` the sums are exact for up to
/// 10¹⁴ members per arm; beyond that Swift's overflow check stops the program rather than
/// returning a wrapped sum.
public struct ArmStatistics: Sendable, Hashable {
    /// Number of members (n).
    public private(set) var count: Int64 = 0
    /// Σ y, outcome sales in cents.
    public private(set) var sumSalesCents: Int128 = 0
    /// Σ y², in cents².
    public private(set) var sumSquaredSalesCents: Int128 = 0
    /// Σ x, pre-period sales in cents.
    public private(set) var sumPreSalesCents: Int128 = 0
    /// Σ x², in cents².
    public private(set) var sumSquaredPreSalesCents: Int128 = 0
    /// Σ x·y, in cents².
    public private(set) var sumSalesTimesPreSalesCents: Int128 = 0
    /// Members with at least one purchase in the window.
    public private(set) var reactivatedCount: Int64 = 0
    /// Members whose coupon was redeemed.
    public private(set) var redeemedCount: Int64 = 0
    /// Σ face value of redeemed coupons, in cents: the coupon cost.
    public private(set) var sumRedeemedFaceValueCents: Int128 = 0

    /// The empty arm, the identity of ``merge(_:)``.
    public init() {}

    /// Statistics of exactly these members.
    public init(_ members: some Sequence<MemberOutcome>) {
        for member in members { add(member) }
    }

    /// Restores persisted sums after checking they could come from real members (see ``validate()``).
    public init(
        count: Int64,
        sumSalesCents: Int128,
        sumSquaredSalesCents: Int128,
        sumPreSalesCents: Int128,
        sumSquaredPreSalesCents: Int128,
        sumSalesTimesPreSalesCents: Int128,
        reactivatedCount: Int64,
        redeemedCount: Int64,
        sumRedeemedFaceValueCents: Int128
    ) throws(StatisticsInputError) {
        self.count = count
        self.sumSalesCents = sumSalesCents
        self.sumSquaredSalesCents = sumSquaredSalesCents
        self.sumPreSalesCents = sumPreSalesCents
        self.sumSquaredPreSalesCents = sumSquaredPreSalesCents
        self.sumSalesTimesPreSalesCents = sumSalesTimesPreSalesCents
        self.reactivatedCount = reactivatedCount
        self.redeemedCount = redeemedCount
        self.sumRedeemedFaceValueCents = sumRedeemedFaceValueCents
        try validate()
    }

    /// Adds one member.
    public mutating func add(_ member: MemberOutcome) {
        let y = Int128(member.salesCents)
        let x = Int128(member.preSalesCents)
        count += 1
        sumSalesCents += y
        sumSquaredSalesCents += y * y
        sumPreSalesCents += x
        sumSquaredPreSalesCents += x * x
        sumSalesTimesPreSalesCents += x * y
        if member.reactivated { reactivatedCount += 1 }
        if member.redeemed { redeemedCount += 1 }
        sumRedeemedFaceValueCents += Int128(member.redeemedFaceValueCents)
    }

    /// Folds in the statistics of a disjoint set of members; exactly associative and commutative.
    public mutating func merge(_ other: ArmStatistics) {
        count += other.count
        sumSalesCents += other.sumSalesCents
        sumSquaredSalesCents += other.sumSquaredSalesCents
        sumPreSalesCents += other.sumPreSalesCents
        sumSquaredPreSalesCents += other.sumSquaredPreSalesCents
        sumSalesTimesPreSalesCents += other.sumSalesTimesPreSalesCents
        reactivatedCount += other.reactivatedCount
        redeemedCount += other.redeemedCount
        sumRedeemedFaceValueCents += other.sumRedeemedFaceValueCents
    }

    /// The statistics of the union of two disjoint sets of members.
    public static func + (lhs: ArmStatistics, rhs: ArmStatistics) -> ArmStatistics {
        var result = lhs
        result.merge(rhs)
        return result
    }

    /// Checks the invariants every real set of members satisfies: counts in 0…n, non-negative
    /// coupon cost and sums of squares, and n·Σy² ≥ (Σy)², n·Σx² ≥ (Σx)² (Cauchy–Schwarz), so
    /// variances derived from the sums can never be negative.
    public func validate() throws(StatisticsInputError) {
        func fail(_ field: String, _ value: some CustomStringConvertible, _ requirement: String) -> StatisticsInputError {
            StatisticsInputError(parameter: field, value: value.description, requirement: requirement)
        }
        guard count >= 0 else { throw fail("count", count, "non-negative") }
        guard (0...count).contains(reactivatedCount) else {
            throw fail("reactivatedCount", reactivatedCount, "between 0 and count (\(count))")
        }
        guard (0...count).contains(redeemedCount) else {
            throw fail("redeemedCount", redeemedCount, "between 0 and count (\(count))")
        }
        guard sumRedeemedFaceValueCents >= 0 else {
            throw fail("sumRedeemedFaceValueCents", sumRedeemedFaceValueCents, "non-negative")
        }
        guard redeemedCount > 0 || sumRedeemedFaceValueCents == 0 else {
            throw fail("sumRedeemedFaceValueCents", sumRedeemedFaceValueCents, "0 when nothing was redeemed")
        }
        guard sumSquaredSalesCents >= 0 else {
            throw fail("sumSquaredSalesCents", sumSquaredSalesCents, "non-negative")
        }
        guard sumSquaredPreSalesCents >= 0 else {
            throw fail("sumSquaredPreSalesCents", sumSquaredPreSalesCents, "non-negative")
        }
        if count == 0 {
            guard sumSalesCents == 0, sumSquaredSalesCents == 0, sumPreSalesCents == 0,
                sumSquaredPreSalesCents == 0, sumSalesTimesPreSalesCents == 0
            else { throw fail("count", count, "positive when any sum is non-zero") }
            return
        }
        guard !ExactMoments.centeredProduct(count, sumSalesCents, sumSalesCents, sumSquaredSalesCents).isNegative
        else {
            throw fail("sumSquaredSalesCents", sumSquaredSalesCents, "at least (Σ sales)² / count")
        }
        guard !ExactMoments.centeredProduct(
            count, sumPreSalesCents, sumPreSalesCents, sumSquaredPreSalesCents
        ).isNegative
        else {
            throw fail("sumSquaredPreSalesCents", sumSquaredPreSalesCents, "at least (Σ pre-sales)² / count")
        }
    }
}
