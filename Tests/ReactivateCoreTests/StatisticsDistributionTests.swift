import Foundation
import Testing
@testable import ReactivateCore

@Suite struct StatisticsDistributionTests {
    /// |actual − expected| ≤ tolerance · |expected|.
    private func relativelyClose(_ actual: Double?, _ expected: Double, _ tolerance: Double) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) <= tolerance * abs(expected)
    }

    @Test(arguments: [(0.975, 1.959963984540054), (0.8, 0.8416212335729143), (0.5, 0.0), (0.025, -1.959963984540054)])
    func normalQuantileMatchesTableValues(probability: Double, expected: Double) {
        let z = NormalDistribution.quantile(probability)
        #expect(z.map { abs($0 - expected) <= 1e-12 } == true, "z(\(probability)) = \(String(describing: z))")
    }

    @Test(arguments: [1e-300, 1e-100, 1e-20, 1e-12, 1e-9, 1e-5, 0.001, 0.02425, 0.075, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999])
    func normalQuantileInvertsTheCDFFromDeepTailToCentre(probability: Double) {
        let z = NormalDistribution.quantile(probability) ?? .nan
        let back = NormalDistribution.cdf(z)
        let tail = min(probability, 1 - probability)
        #expect(abs(back - probability) <= 5e-13 * tail, "Φ(z(\(probability))) = \(back)")
    }

    /// Values as given in the brief: accurate to about 1e−9 (t_{0.95,5} is 6.6e−10 off the true value).
    @Test(arguments: [
        (0.975, 1.0, 12.706204736174705), (0.975, 10.0, 2.2281388519649385),
        (0.975, 30.0, 2.0422724563012373), (0.95, 5.0, 2.015048372669157),
    ])
    func studentQuantileMatchesTableValues(probability: Double, degreesOfFreedom: Double, expected: Double) {
        let t = StudentTDistribution.quantile(probability, degreesOfFreedom: degreesOfFreedom)
        #expect(t.map { abs($0 - expected) <= 1e-9 } == true, "t = \(String(describing: t))")
    }

    /// 20-digit references computed with mpmath 1.3 at 60 digits (root of ½ I_x(ν/2, ½) = 1 − p).
    @Test(arguments: [
        (0.975, 1.0, 12.706204736174693314), (0.975, 10.0, 2.2281388519862742245),
        (0.975, 30.0, 2.0422724563012378878), (0.95, 5.0, 2.0150483733330235417),
        (0.975, 2.5, 3.5746548420036817607), (0.975, 7.3, 2.3450667365477030519),
        (0.975, 123.4, 1.9793749463174198007), (0.995, 45.6, 2.6880280295138294772),
        (0.975, 1234.5, 1.9618874833313452182), (0.975, 45678.9, 1.9600159195258243102),
    ])
    func studentQuantileMatchesHighPrecisionReferences(
        probability: Double, degreesOfFreedom: Double, expected: Double
    ) {
        let t = StudentTDistribution.quantile(probability, degreesOfFreedom: degreesOfFreedom)
        #expect(relativelyClose(t, expected, 1e-13), "t = \(String(describing: t))")
    }

    /// Tail probabilities from mpmath, far into the tails where 1 − F would have no digits left.
    @Test(arguments: [
        (30.0, 10.0, 1.9808961710156621352e-11), (8.0, 45.6, 1.571434762213871809e-10),
        (1000.0, 2.7, 6.73228072933295003e-9), (20.0, 100000.5, 4.1117387346397385266e-89),
        (1e6, 0.5, 0.00032070097541419884777),
    ])
    func studentCDFKeepsRelativePrecisionInTheTails(t: Double, degreesOfFreedom: Double, upperTail: Double) {
        let lower = StudentTDistribution.cdf(-t, degreesOfFreedom: degreesOfFreedom)
        #expect(relativelyClose(lower, upperTail, 1e-12), "F(−\(t)) = \(String(describing: lower))")
    }

    @Test(arguments: [1.0, 2.0, 3.0])
    func studentCDFMatchesClosedFormsForSmallIntegerDegreesOfFreedom(degreesOfFreedom: Double) {
        for t in stride(from: -60.0, through: 60.0, by: 0.37) {
            let closedForm: Double
            switch degreesOfFreedom {
            case 1: closedForm = 0.5 + atan(t) / Double.pi
            case 2: closedForm = 0.5 + t / (2 * (2 + t * t).squareRoot())
            default:
                let u = t / 3.0.squareRoot()
                closedForm = 0.5 + (u / (1 + u * u) + atan(u)) / Double.pi
            }
            let cdf = StudentTDistribution.cdf(t, degreesOfFreedom: degreesOfFreedom) ?? .nan
            #expect(abs(cdf - closedForm) <= 1e-14, "df \(degreesOfFreedom), t \(t): \(cdf) vs \(closedForm)")
        }
    }

    @Test(arguments: [0.3, 0.7, 1.5, 2.7, 7.3, 45.6, 1234.5, 9999.5, 12345.6, 3.3e6])
    func studentQuantileAndCDFRoundTripForNonIntegerDegreesOfFreedom(degreesOfFreedom: Double) {
        for probability in [1e-12, 1e-6, 0.001, 0.025, 0.2, 0.4999, 0.5, 0.6, 0.975, 0.999999] {
            let t = StudentTDistribution.quantile(probability, degreesOfFreedom: degreesOfFreedom) ?? .nan
            let back = StudentTDistribution.cdf(t, degreesOfFreedom: degreesOfFreedom) ?? .nan
            let tail = min(probability, 1 - probability)
            #expect(abs(back - probability) <= 1e-12 * tail, "df \(degreesOfFreedom), p \(probability): F(\(t)) = \(back)")
        }
    }

    @Test func studentQuantileIncreasesTowardsTheNormalAsDegreesOfFreedomShrink() {
        var previous = Double.infinity
        for degreesOfFreedom in [1.0, 1.5, 2, 3.7, 10, 30, 100, 1e3, 1e4, 1e5, 1e7] {
            let t = StudentTDistribution.quantile(0.975, degreesOfFreedom: degreesOfFreedom) ?? .nan
            #expect(t < previous && t > 1.959963984540054, "df \(degreesOfFreedom): \(t)")
            previous = t
        }
    }

    /// Between the continued fraction's range and the normal limit, t quantiles follow the
    /// Cornish–Fisher series z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²)
    /// + (3z⁷ + 19z⁵ + 17z³ − 15z)/(384ν³) + O(ν⁻⁴).
    @Test(arguments: [2e4, 1e5, 1e6, 1e8])
    func studentQuantileFollowsTheLargeDegreesOfFreedomExpansion(degreesOfFreedom nu: Double) {
        for probability in [0.9, 0.975, 0.995, 1 - 1e-7] {
            let z = NormalDistribution.quantile(probability) ?? .nan
            let expansion = z + (z * z * z + z) / (4 * nu)
                + (5 * pow(z, 5) + 16 * pow(z, 3) + 3 * z) / (96 * nu * nu)
                + (3 * pow(z, 7) + 19 * pow(z, 5) + 17 * pow(z, 3) - 15 * z) / (384 * nu * nu * nu)
            let t = StudentTDistribution.quantile(probability, degreesOfFreedom: nu)
            #expect(relativelyClose(t, expansion, 1e-12), "ν \(nu), p \(probability): \(String(describing: t))")
        }
    }

    @Test(arguments: [1e12, 1e15, 1e20, 1e300, Double.infinity])
    func studentWithHugeDegreesOfFreedomIsTheNormal(degreesOfFreedom: Double) {
        for probability in [1e-10, 0.025, 0.3, 0.8, 0.975] {
            let t = StudentTDistribution.quantile(probability, degreesOfFreedom: degreesOfFreedom) ?? .nan
            let z = NormalDistribution.quantile(probability) ?? .nan
            #expect(abs(t - z) <= 1e-9 * max(1, abs(z)), "df \(degreesOfFreedom), p \(probability)")
            let cdf = StudentTDistribution.cdf(z, degreesOfFreedom: degreesOfFreedom) ?? .nan
            #expect(abs(cdf - probability) <= 1e-9 * min(probability, 1 - probability))
        }
    }

    @Test func distributionFunctionsAnswerNilOutsideTheirDomainAndInfinityAtTheEnds() {
        for bad in [-0.1, 1.5, Double.nan] {
            #expect(NormalDistribution.quantile(bad) == nil)
            #expect(StudentTDistribution.quantile(bad, degreesOfFreedom: 5) == nil)
        }
        for badDegrees in [0.0, -3, Double.nan] {
            #expect(StudentTDistribution.quantile(0.9, degreesOfFreedom: badDegrees) == nil)
            #expect(StudentTDistribution.cdf(1, degreesOfFreedom: badDegrees) == nil)
            #expect(StudentTDistribution.density(1, degreesOfFreedom: badDegrees) == nil)
        }
        #expect(StudentTDistribution.cdf(.nan, degreesOfFreedom: 5) == nil)
        #expect(NormalDistribution.quantile(0) == -.infinity)
        #expect(NormalDistribution.quantile(1) == .infinity)
        #expect(StudentTDistribution.quantile(0, degreesOfFreedom: 4) == -.infinity)
        #expect(StudentTDistribution.quantile(1, degreesOfFreedom: 4) == .infinity)
        #expect(StudentTDistribution.cdf(.infinity, degreesOfFreedom: 4) == 1)
        #expect(StudentTDistribution.cdf(-.infinity, degreesOfFreedom: 4) == 0)
        // The 1e−300 quantile of t(0.3) is about −10^1000: beyond Double, so −∞ rather than a wrong finite value.
        #expect(StudentTDistribution.quantile(1e-300, degreesOfFreedom: 0.3) == -.infinity)
        #expect(StatisticalFunctions.logGamma(0) == nil)
        #expect(StatisticalFunctions.logBeta(-1, 2) == nil)
        #expect(StatisticalFunctions.regularizedIncompleteBeta(1.2, a: 1, b: 1) == nil)
        #expect(StatisticalFunctions.regularizedIncompleteBeta(0.5, a: 0, b: 1) == nil)
    }

    @Test(arguments: [
        (0.5, 0.57236494292470008707), (1.0, 0.0), (2.0, 0.0), (3.0, 0.69314718055994530942),
        (10.0, 12.801827480081469611), (10.5, 13.940625219403763633), (100.0, 359.13420536957539878),
        (1e-8, 18.420680738180208905),
    ])
    func logGammaMatchesKnownValues(x: Double, expected: Double) {
        let value = StatisticalFunctions.logGamma(x) ?? .nan
        #expect(abs(value - expected) <= 1e-14 * max(1, abs(expected)), "lnΓ(\(x)) = \(value)")
    }

    @Test func incompleteBetaMatchesClosedFormsAndItsSymmetry() {
        for x in stride(from: 0.0, through: 1.0, by: 0.05) {
            let uniform = StatisticalFunctions.regularizedIncompleteBeta(x, a: 1, b: 1) ?? .nan
            #expect(abs(uniform - x) <= 1e-15)
            let power = StatisticalFunctions.regularizedIncompleteBeta(x, a: 3.5, b: 1) ?? .nan
            #expect(abs(power - pow(x, 3.5)) <= 1e-14)
            let complement = StatisticalFunctions.regularizedIncompleteBeta(x, a: 1, b: 2.5) ?? .nan
            #expect(abs(complement - (1 - pow(1 - x, 2.5))) <= 1e-14)
            let forward = StatisticalFunctions.regularizedIncompleteBeta(x, a: 2.3, b: 7.9) ?? .nan
            let mirrored = StatisticalFunctions.regularizedIncompleteBeta(1 - x, a: 7.9, b: 2.3) ?? .nan
            #expect(abs(forward + mirrored - 1) <= 1e-14)
        }
        // I_0.3(2, 3) = 0.3483 exactly (a polynomial in x).
        let polynomial = StatisticalFunctions.regularizedIncompleteBeta(0.3, a: 2, b: 3) ?? .nan
        #expect(abs(polynomial - 0.3483) <= 1e-15)
    }
}
