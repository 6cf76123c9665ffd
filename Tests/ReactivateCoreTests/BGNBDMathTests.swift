import Foundation
import ReactivateCore
import Testing

@Suite struct BGNBDMathTests {
    @Test func digammaMatchesKnownValues() {
        // ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, ψ(−½) = ψ(½) + 2; the rest from mpmath at 30 digits.
        let known: [(Double, Double)] = [
            (1, -0.5772156649015329),
            (0.5, -1.9635100260214235),
            (-0.5, 0.03648997397857652),
            (2, 0.42278433509846713),
            (10, 2.251752589066721),
            (1e-8, -100_000_000.577_215_65),
            (0.243, -4.351_093_864_423_210_7),
            (1.461_632_144_968_362_2, -1.366_959_549_572_251_7e-16),
            (1234.5, 7.118_016_231_827_998),
            (1e15, 34.538776394910684),
            (-2.7, -1.115_347_129_140_689_6),
        ]
        for (x, expected) in known {
            let value = BGNBDMath.digamma(x)
            #expect(abs(value - expected) <= 2e-15 * max(1, abs(expected)), "ψ(\(x)) = \(value), expected \(expected)")
        }
    }

    @Test func digammaSatisfiesItsRecurrenceAndRejectsPoles() {
        for x in stride(from: 0.013, to: 40, by: 0.37) {
            let step = BGNBDMath.digamma(x + 1) - BGNBDMath.digamma(x)
            #expect(abs(step - 1 / x) <= 1e-13 * max(1, 1 / x))
        }
        #expect(BGNBDMath.digamma(0).isNaN)
        #expect(BGNBDMath.digamma(-3).isNaN)
        #expect(BGNBDMath.digamma(.nan).isNaN)
    }

    @Test func hypergeometricMatchesClosedFormsAcrossTheWholeRange() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z, including z within 1e−12 of the singular point and far below 0.
        for z in [-1e6, -50, -0.9, -0.3, 1e-9, 0.2, 0.5, 0.7, 0.9, 0.99, 0.999_999, 1 - 1e-12] {
            let expected = -log1p(-z) / z
            let value = BGNBDMath.hypergeometric2F1(1, 1, 2, z)
            #expect(abs(value / expected - 1) <= 1e-12, "z = \(z): \(value) vs \(expected)")
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a).
        for (a, z) in [(0.3, 0.95), (2.5, -4.0), (-1.5, 0.999), (7.0, 0.6)] {
            let expected = pow(1 - z, -a)
            #expect(abs(BGNBDMath.hypergeometric2F1(a, 3.25, 3.25, z) / expected - 1) <= 1e-11)
        }
        // ₂F₁(½, ½; 3/2; z²) = arcsin(z)/z.
        for z in [0.1, 0.6, 0.95, 0.999_99] {
            let expected = asin(z) / z
            #expect(abs(BGNBDMath.hypergeometric2F1(0.5, 0.5, 1.5, z * z) / expected - 1) <= 1e-12)
        }
    }

    @Test func hypergeometricMatchesReferenceValuesNearTheSingularPoint() {
        // mpmath.hyp2f1 at 40 digits, evaluated at the binary z actually passed (near 1 the rounding of a
        // decimal z is amplified). c − a − b is 0 (logarithmic case), near 0, and non-integer.
        let reference: [(Double, Double, Double, Double, Double)] = [
            (0.5, 0.5, 1.0, 0.999_999, 5.280_157_154_762_713),
            (0.5, 0.5, 1.000_000_001, 0.9999, 3.814_364_228_225_015),
            (1, 1, 2, 0.999_999_999, 20.723_265_885_951_608),
            (0.3, 0.7, 2.0, 0.999_999_999_9, 1.226_276_701_317_947),
            (1.5, 2.5, 4.0, 0.999_99, 48.990_403_515_248_26),
            (2.243, 4.426, 6.219, 0.9, 20.171_616_109_557_03),
        ]
        for (a, b, c, z, expected) in reference {
            let value = BGNBDMath.hypergeometric2F1(a, b, c, z)
            #expect(abs(value / expected - 1) <= 1e-11, "₂F₁(\(a), \(b); \(c); \(z)) = \(value), expected \(expected)")
        }
    }

    @Test func hypergeometricRefusesArgumentsOutsideItsDomain() {
        #expect(BGNBDMath.hypergeometric2F1(1, 1, 2, 1).isNaN)
        #expect(BGNBDMath.hypergeometric2F1(1, 1, -2, 0.5).isNaN)
        #expect(BGNBDMath.hypergeometric2F1(1, .nan, 2, 0.5).isNaN)
    }
}
