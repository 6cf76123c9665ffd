import Foundation

/// Log-gamma, log-beta and the regularized incomplete beta function behind Student's t.
///
/// Written out here (Stirling series, Lentz's continued fraction) instead of calling `lgamma`,
/// which writes the global `signgam` and so is not safe to call from concurrent workers.
public enum StatisticalFunctions: Sendable {
    /// ln Γ(x) for x > 0; nil for x ≤ 0 or NaN. Absolute error about 1e−15 for moderate x.
    public static func logGamma(_ x: Double) -> Double? {
        guard x > 0 else { return nil }
        return logGammaPositive(x)
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0; nil otherwise.
    ///
    /// Large arguments use Stirling corrections so the huge ln Γ terms never cancel
    /// (Welch degrees of freedom can be in the millions).
    public static func logBeta(_ a: Double, _ b: Double) -> Double? {
        guard a > 0, b > 0, a.isFinite, b.isFinite else { return nil }
        return logBetaPositive(a, b)
    }

    /// The regularized incomplete beta function I_x(a, b).
    ///
    /// - Returns: nil when a or b is not a positive finite number, x is outside [0, 1],
    ///   or the continued fraction fails to converge (never a half-converged number).
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double? {
        guard a > 0, b > 0, a.isFinite, b.isFinite, x >= 0, x <= 1 else { return nil }
        return regularizedIncompleteBeta(x: x, y: 1 - x, a: a, b: b)
    }

    // MARK: - Internals

    /// ½ ln(2π).
    static let halfLogTwoPi = 0.918_938_533_204_672_741_78

    static func logGammaPositive(_ x: Double) -> Double {
        if x == .infinity { return .infinity }
        if x >= 10 { return (x - 0.5) * log(x) - x + halfLogTwoPi + stirlingCorrection(x) }
        // Γ(x) = Γ(x + k) / (x (x + 1) … (x + k − 1)), shifting into the range where Stirling is accurate.
        let steps = Int((10 - x).rounded(.up))
        var product = 1.0
        for step in 0..<steps { product *= x + Double(step) }
        return logGammaPositive(x + Double(steps)) - log(product)
    }

    /// ln Γ(x) − Stirling's approximation, for x ≥ 10 (asymptotic series, error below 1e−16 there).
    static func stirlingCorrection(_ x: Double) -> Double {
        let inverse = 1 / x
        let inverseSquared = inverse * inverse
        let series =
            1.0 / 12 - inverseSquared * (1.0 / 360 - inverseSquared * (1.0 / 1260
            - inverseSquared * (1.0 / 1680 - inverseSquared * (1.0 / 1188
            - inverseSquared * (691.0 / 360_360 - inverseSquared / 156)))))
        return series * inverse
    }

    static func logBetaPositive(_ a: Double, _ b: Double) -> Double {
        let p = min(a, b)
        let q = max(a, b)
        if p >= 10 {
            let correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q)
            return -0.5 * log(q) + halfLogTwoPi + correction
                + (p - 0.5) * log(p / (p + q)) + q * log1p(-p / (p + q))
        }
        if q >= 10 {
            let correction = stirlingCorrection(q) - stirlingCorrection(p + q)
            return logGammaPositive(p) + correction + p - p * log(p + q)
                + (q - 0.5) * log1p(-p / (p + q))
        }
        return logGammaPositive(p) + logGammaPositive(q) - logGammaPositive(p + q)
    }

    /// I_x(a, b) given both x and y = 1 − x, so callers that know y precisely (t tails) keep its digits.
    static func regularizedIncompleteBeta(x: Double, y: Double, a: Double, b: Double) -> Double? {
        regularizedIncompleteBeta(
            x: x, y: y,
            logX: x < 0.5 ? log(x) : log1p(-y),
            logY: y < 0.5 ? log(y) : log1p(-x),
            a: a, b: b)
    }

    /// I_x(a, b) with ln x and ln y supplied, so an x that underflows to 0 still has its logarithm.
    static func regularizedIncompleteBeta(
        x: Double, y: Double, logX: Double, logY: Double, a: Double, b: Double
    ) -> Double? {
        if logX == -.infinity { return 0 }
        if logY == -.infinity { return 1 }
        let logFront = a * logX + b * logY - logBetaPositive(a, b)
        if x < (a + 1) / (a + b + 2) {
            guard let fraction = betaContinuedFraction(a: a, b: b, x: x, y: y) else { return nil }
            return exp(logFront) * fraction / a
        }
        guard let fraction = betaContinuedFraction(a: b, b: a, x: y, y: x) else { return nil }
        return 1 - exp(logFront) * fraction / b
    }

    /// The continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes `betacf`).
    ///
    /// The first term is formed from y when x is near 1, where `1 − (a+b)x/(a+1)` would cancel.
    static func betaContinuedFraction(a: Double, b: Double, x: Double, y: Double) -> Double? {
        let tiny = 1e-300
        let epsilon = 1e-16
        let limit = min(10_000_000, 1_000 + Int(20 * max(a, b).squareRoot()))
        let first = x > 0.5 ? (1 - b + (a + b) * y) / (a + 1) : 1 - (a + b) * x / (a + 1)
        var c = 1.0
        var d = abs(first) < tiny ? 1 / tiny : 1 / first
        var h = d
        for iteration in 1...limit {
            let m = Double(iteration)
            let twoM = 2 * m
            let even = m * (b - m) * x / ((a - 1 + twoM) * (a + twoM))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + twoM) * (a + 1 + twoM))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= epsilon { return h.isFinite ? h : nil }
        }
        return nil
    }
}
