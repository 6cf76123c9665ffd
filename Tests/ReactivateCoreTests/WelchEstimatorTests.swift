import Foundation
import Testing
@testable import ReactivateCore

@Suite struct WelchEstimatorTests {
    /// A hand-made wave: (sales, pre-period sales, redeemed face value) in cents per member.
    static let treatmentRows: [(Int64, Int64, Int64)] = [
        (1_200, 3_000, 1_000), (0, 0, 0), (0, 500, 0), (5_400, 8_000, 1_000), (-300, 1_200, 0),
        (800, 0, 500), (0, 0, 0), (15_000, 20_000, 1_000), (2_600, 4_100, 0), (0, 700, 0),
    ]
    static let controlRows: [(Int64, Int64, Int64)] = [
        (0, 800, 0), (300, 400, 0), (0, 0, 0), (2_500, 3_100, 0), (0, 0, 0), (700, 1_500, 0), (9_100, 12_000, 0),
    ]

    static func arm(_ rows: [(Int64, Int64, Int64)]) throws -> ArmStatistics {
        ArmStatistics(try rows.map { sales, preSales, face in
            try MemberOutcome(
                salesCents: sales, preSalesCents: preSales, reactivated: sales > 0, redeemed: face > 0,
                redeemedFaceValueCents: face)
        })
    }

    /// Two-pass mean and sample variance in Double, straight from the raw values.
    static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / Double(values.count - 1))
    }

    /// Welch by the textbook formulas, for comparison.
    static func welch(_ treatment: [Double], _ control: [Double], level: Double)
        -> (difference: Double, standardError: Double, degreesOfFreedom: Double, lower: Double, upper: Double)
    {
        let t = meanAndVariance(treatment)
        let c = meanAndVariance(control)
        let shareT = t.variance / Double(treatment.count)
        let shareC = c.variance / Double(control.count)
        let standardError = (shareT + shareC).squareRoot()
        let degrees = (shareT + shareC) * (shareT + shareC)
            / (shareT * shareT / Double(treatment.count - 1) + shareC * shareC / Double(control.count - 1))
        let critical = StudentTDistribution.quantile((1 + level) / 2, degreesOfFreedom: degrees) ?? .nan
        let difference = t.mean - c.mean
        return (difference, standardError, degrees, difference - critical * standardError, difference + critical * standardError)
    }

    private func close(_ actual: Double?, _ expected: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) <= tolerance * max(abs(expected), 1e-300)
    }

    @Test(arguments: [0.95, 0.9, 0.99])
    func welchOnAHandMadeWaveMatchesTheDirectComputation(confidenceLevel: Double) throws {
        let treatment = try Self.arm(Self.treatmentRows)
        let control = try Self.arm(Self.controlRows)
        let estimate = try AttributionEstimate(treatment: treatment, control: control, confidenceLevel: confidenceLevel)
        let expected = Self.welch(
            Self.treatmentRows.map { Double($0.0) }, Self.controlRows.map { Double($0.0) }, level: confidenceLevel)

        let sales = estimate.salesPerMember
        #expect(sales.status == .estimated)
        #expect(close(sales.treatmentMean, 2470))
        #expect(close(sales.controlMean, 12_600.0 / 7))
        #expect(close(sales.difference, expected.difference))
        #expect(close(sales.standardError, expected.standardError))
        #expect(close(sales.degreesOfFreedom, expected.degreesOfFreedom))
        #expect(close(sales.interval?.lower, expected.lower))
        #expect(close(sales.interval?.upper, expected.upper))
        #expect(sales.interval?.level == confidenceLevel)

        // Incremental sales = difference × n_T, interval scaled the same way; net shifts by the cost.
        #expect(close(estimate.incrementalSalesCents, expected.difference * 10))
        #expect(close(estimate.incrementalSalesInterval?.lower, expected.lower * 10))
        #expect(close(estimate.incrementalSalesInterval?.upper, expected.upper * 10))
        #expect(estimate.redemptions == 4)
        #expect(estimate.couponCostCents == 3_500)
        #expect(close(estimate.netIncrementalSalesCents, expected.difference * 10 - 3_500))
        #expect(close(estimate.netIncrementalSalesInterval?.lower, expected.lower * 10 - 3_500))
        #expect(close(estimate.netIncrementalSalesInterval?.upper, expected.upper * 10 - 3_500))
        #expect(close(estimate.incrementalSalesPerCouponCost, expected.difference * 10 / 3_500))
    }

    @Test func cupedMatchesAdjustingEveryMemberDirectly() throws {
        let treatment = try Self.arm(Self.treatmentRows)
        let control = try Self.arm(Self.controlRows)
        let estimate = try AttributionEstimate(treatment: treatment, control: control)

        let all = Self.treatmentRows + Self.controlRows
        let x = all.map { Double($0.1) }
        let y = all.map { Double($0.0) }
        let meanX = x.reduce(0, +) / Double(x.count)
        let meanY = y.reduce(0, +) / Double(y.count)
        let covariance = zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        let theta = covariance / variance
        func adjust(_ rows: [(Int64, Int64, Int64)]) -> [Double] {
            rows.map { Double($0.0) - theta * (Double($0.1) - meanX) }
        }
        let expected = Self.welch(adjust(Self.treatmentRows), adjust(Self.controlRows), level: 0.95)
        let adjusted = try #require(estimate.cuped.adjusted)

        #expect(close(estimate.cuped.theta, theta))
        #expect(close(estimate.cuped.pooledCovariateMean, meanX))
        #expect(close(adjusted.difference, expected.difference))
        #expect(close(adjusted.standardError, expected.standardError))
        #expect(close(adjusted.degreesOfFreedom, expected.degreesOfFreedom))
        #expect(close(adjusted.interval?.lower, expected.lower))
        #expect(close(adjusted.interval?.upper, expected.upper))
        let unadjusted = try #require(estimate.salesPerMember.standardError)
        #expect(close(estimate.cuped.varianceReduction, 1 - expected.standardError * expected.standardError / (unadjusted * unadjusted)))
        #expect(close(estimate.cupedIncrementalSalesCents, expected.difference * 10))
        #expect(estimate.cuped.status == .estimated)
    }

    /// Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score, no continuity correction).
    @Test(arguments: [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)])
    func reactivationIntervalMatchesNewcombesPublishedExamples(
        successesT: Int64, countT: Int64, successesC: Int64, countC: Int64, lower: Double, upper: Double
    ) throws {
        let estimate = try ProportionDifferenceEstimate(
            treatmentSuccesses: successesT, treatmentCount: countT, controlSuccesses: successesC, controlCount: countC)
        let interval = try #require(estimate.interval)
        #expect(abs(interval.lower - lower) < 5e-5, "lower \(interval.lower)")
        #expect(abs(interval.upper - upper) < 5e-5, "upper \(interval.upper)")
        #expect(estimate.difference == Double(successesT) / Double(countT) - Double(successesC) / Double(countC))
    }

    @Test func reactivationCountsComeFromTheArms() throws {
        let estimate = try AttributionEstimate(
            treatment: try Self.arm(Self.treatmentRows), control: try Self.arm(Self.controlRows))
        #expect(estimate.reactivation.treatmentSuccesses == 5)
        #expect(estimate.reactivation.controlSuccesses == 4)
        #expect(estimate.reactivation.treatmentRate == 0.5)
        #expect(close(estimate.reactivation.difference, 0.5 - 4.0 / 7))
        let wald = (0.25 / 10 + (4.0 / 7) * (3.0 / 7) / 7).squareRoot()
        #expect(close(estimate.reactivation.standardError, wald))
    }

    /// Members spending about 10¹¹ cents each with a spread of a few hundred: Σy² − (Σy)²/n in Double
    /// would keep no correct digit; the exact integer path keeps them all.
    @Test func varianceStaysExactWhenTheMeanDwarfsTheSpread() throws {
        let count: Int64 = 1_000
        let base: Int64 = 100_000_000_000
        let arm = ArmStatistics(try (0..<count).map { k in
            try MemberOutcome(salesCents: base + k, preSalesCents: base - 2 * k, reactivated: true)
        })
        // Variance of 0, 1, …, n−1 is n(n+1)/12.
        let expected = Double(count * (count + 1)) / 12
        #expect(close(arm.salesVariance, expected, 1e-15))
        #expect(close(arm.preSalesVariance, 4 * expected, 1e-15))
        #expect(close(arm.salesPreSalesCovariance, -2 * expected, 1e-15))
        #expect(arm.meanSalesCents == Double(base) + Double(count - 1) / 2)
    }
}
