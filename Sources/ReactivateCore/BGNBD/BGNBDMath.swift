import Foundation

/// Special functions the BG/NBD model needs: digamma for the likelihood gradient, the Gaussian
/// hypergeometric function for expected purchases, and a thread-safe log-gamma.
///
/// Written here so the core has no dependencies and every formula can be checked against known values.
public enum BGNBDMath {
    /// ln Γ(x), through the reentrant `lgamma_r`: plain `lgamma` writes the global `signgam`,
    /// which is a data race when members are scored on several threads.
    @inlinable
    public static func logGamma(_ x: Double) -> Double {
        let (value, _): (Double, Int) = lgamma(x)
        return value
    }

    /// The digamma function ψ(x) = d/dx ln Γ(x), to about 1e−15 relative accuracy.
    ///
    /// Shifts x up to 10 by ψ(x) = ψ(x + 1) − 1/x, then sums the asymptotic series
    /// ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ). Negative x uses the reflection ψ(1 − x) − π / tan(πx).
    /// - Returns: NaN at the poles 0, −1, −2, … and for NaN; +∞ for +∞.
    public static func digamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return .infinity }
        if x <= 0 {
            if x == x.rounded(.down) { return .nan }
            // tan(πx) is periodic, so reduce x first to keep the argument small and exact.
            let fraction = x - x.rounded(.down)
            return digamma(1 - x) - Double.pi / tan(Double.pi * fraction)
        }
        var value = x
        var shift = 0.0
        while value < 10 {
            shift -= 1 / value
            value += 1
        }
        let inverse = 1 / value
        let inverseSquared = inverse * inverse
        // Bernoulli terms B₂/2, B₄/4, … B₁₂/12 divided into x²ᵏ, nested (Horner) for accuracy.
        let series =
            inverseSquared
            * (1.0 / 12
                - inverseSquared
                * (1.0 / 120
                    - inverseSquared
                    * (1.0 / 252
                        - inverseSquared
                        * (1.0 / 240
                            - inverseSquared * (1.0 / 132 - inverseSquared * (691.0 / 32_760))))))
        return shift + log(value) - 0.5 * inverse - series
    }

    /// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for real z < 1.
    ///
    /// The power series is summed where it converges quickly (|z| ≤ ½). Closer to 1 the series needs
    /// about 37/(1 − z) terms, so the function is instead carried there from z = ½ along its
    /// differential equation by Taylor re-expansion, each step halving the distance to 1; this needs no
    /// gamma-function connection formulas, which break down when c − a − b is near an integer.
    /// Negative z is first mapped into (0, 1) by Pfaff's transformation
    /// ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)).
    /// - Returns: NaN for z ≥ 1, non-finite arguments, c a non-positive integer, or when cancellation
    ///   would leave fewer than about 8 correct digits (large |a|, |b| or |c| with z near 1).
    public static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        guard a.isFinite, b.isFinite, c.isFinite, z.isFinite, z < 1 else { return .nan }
        if c <= 0, c == c.rounded() { return .nan }
        if z < -0.5 {
            // w = z/(z − 1) lies in (⅓, 1); 1 − w = 1/(1 − z) is passed exactly for z → −∞.
            let equation = HypergeometricEquation(a: a, b: c - b, c: c, forcing: 0)
            let transformed = equation.solution(
                at: z / (z - 1), oneMinusZ: 1 / (1 - z), value: 1, firstCoefficient: a * (c - b) / c)
            return transformed.loss < 1e8 ? exp(-a * log1p(-z)) * transformed.value : .nan
        }
        let equation = HypergeometricEquation(a: a, b: b, c: c, forcing: 0)
        let result = equation.solution(at: z, oneMinusZ: 1 - z, value: 1, firstCoefficient: a * b / c)
        return result.loss < 1e8 ? result.value : .nan
    }

    /// expm1(u)/u, equal to 1 at u = 0, so (1 − (1 − z)^(a−1))/(a − 1) stays exact as a → 1.
    @inlinable
    static func relativeExpm1(_ u: Double) -> Double {
        u == 0 ? 1 : expm1(u) / u
    }
}

/// The hypergeometric differential equation z(1−z)y″ + [c − (a+b+1)z]y′ − ab·y = k, with a constant
/// forcing term k so that the same solver also serves (₂F₁ − 1)/b, which the BG/NBD expectation needs
/// without the cancellation of subtracting 1.
///
/// Every result comes with its `loss`: the largest term summed divided by the result, a bound on how
/// much rounding was amplified (1 means none); callers decide how much they tolerate.
struct HypergeometricEquation: Sendable {
    let a: Double
    let b: Double
    let c: Double
    let forcing: Double

    /// Terms at which a step's Taylor series is abandoned; a half-radius step needs about 55.
    static let maximumStepTerms = 400
    /// Terms at which the power series at z gives way to continuation from z = ½.
    static let maximumSeriesTerms = 600

    /// A value with its derivative and the cancellation it suffered.
    struct Evaluation {
        var value: Double
        var derivative: Double
        var loss: Double
    }

    /// The solution y(z) = value + Σₙ≥₁ cₙ zⁿ whose series has c₁ = `firstCoefficient` and the
    /// hypergeometric term ratio cₙ₊₁/cₙ = (a+n)(b+n)/((c+n)(n+1)).
    ///
    /// `oneMinusZ` is passed separately so callers that know 1 − z exactly (as (α+T)/(α+T+t)) keep its
    /// precision when z is within rounding of 1.
    func solution(at z: Double, oneMinusZ: Double, value: Double, firstCoefficient: Double) -> (
        value: Double, loss: Double
    ) {
        if z == 0 { return (value, 1) }
        if abs(z) <= 0.5 {
            let direct = series(at: z, value: value, firstCoefficient: firstCoefficient, termLimit: .max)
            return direct.map { ($0.value, $0.loss) } ?? (.nan, .infinity)
        }
        if let direct = series(
            at: z, value: value, firstCoefficient: firstCoefficient, termLimit: Self.maximumSeriesTerms)
        {
            return (direct.value, direct.loss)
        }
        guard let start = series(at: 0.5, value: value, firstCoefficient: firstCoefficient, termLimit: .max)
        else { return (.nan, .infinity) }
        let end = continued(from: 0.5, start: start, toDistance: oneMinusZ)
        return (end.value, end.loss)
    }

    /// Sums the power series and its derivative at z, or nil when `termLimit` terms were not enough.
    func series(at z: Double, value base: Double, firstCoefficient: Double, termLimit: Int) -> Evaluation? {
        var coefficient = firstCoefficient  // cₙ zⁿ⁻¹
        var sum = base
        var derivative = 0.0
        var largest = abs(base)
        var largestDerivative = 0.0
        var n = 1.0
        var count = 0
        func finished() -> Evaluation {
            let loss = max(largest / abs(sum), largestDerivative / abs(derivative))
            return Evaluation(value: sum, derivative: derivative, loss: loss.isNaN ? 1 : loss)
        }
        while count < termLimit {
            let term = coefficient * z
            let derivativeTerm = n * coefficient
            sum += term
            derivative += derivativeTerm
            largest = max(largest, abs(term))
            largestDerivative = max(largestDerivative, abs(derivativeTerm))
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            // Stop once the terms shrink geometrically and the tail bound is below rounding.
            let bound = max(abs(ratio) * (n + 1) / n, abs(z))
            if bound < 1 {
                let tail = bound / (1 - bound)
                if abs(term) * tail <= 1e-17 * abs(sum) && abs(derivativeTerm) * tail <= 1e-17 * abs(derivative) {
                    return finished()
                }
                if term == 0 && derivativeTerm == 0 { return finished() }
            }
            if !sum.isFinite || !derivative.isFinite {
                return Evaluation(value: .nan, derivative: .nan, loss: .infinity)
            }
            coefficient *= ratio
            n += 1
            count += 1
        }
        return nil
    }

    /// Carries y and y′ from z₀ (≥ ½) to the point at distance `target` from 1, each step a Taylor series
    /// of the equation over half the remaining distance to the singular point z = 1.
    ///
    /// Working in the distance to 1 rather than in z keeps full precision when z rounds to 1.
    func continued(from z0: Double, start: Evaluation, toDistance target: Double) -> Evaluation {
        var distance = 1 - z0
        var y = start.value
        var slope = start.derivative
        var loss = start.loss
        let sumAB1 = a + b + 1
        let ab = a * b
        while distance > target {
            let h = min(distance - target, 0.5 * distance)
            let z = 1 - distance
            // Coefficients of z(1−z) = q0 + q1 w − w² and c − (a+b+1)z = l0 + l1 w around z.
            let q0 = z * distance
            let q1 = 1 - 2 * z
            let l0 = c - sumAB1 * z
            let l1 = -sumAB1
            // Scaled Taylor coefficients dⱼ = y⁽ʲ⁾(z) hʲ / j!, so the step evaluates at w = h as Σ dⱼ.
            var previous = y
            var current = slope * h
            var sum = previous + current
            var slopeSum = current
            var largest = max(abs(previous), abs(current))
            var j = 0.0
            var small = 0
            for _ in 0..<Self.maximumStepTerms {
                let forcingTerm = j == 0 ? forcing * h * h : 0
                let next =
                    (forcingTerm - (q1 * j + l0) * (j + 1) * h * current
                        - (-j * (j - 1) + l1 * j - ab) * h * h * previous) / (q0 * (j + 2) * (j + 1))
                sum += next
                slopeSum += (j + 2) * next
                largest = max(largest, abs(next))
                if abs(next) <= 1e-17 * abs(sum) && abs((j + 2) * next) <= 1e-17 * abs(slopeSum) {
                    small += 1
                    if small >= 2 { break }
                } else {
                    small = 0
                }
                previous = current
                current = next
                j += 1
            }
            guard sum.isFinite, slopeSum.isFinite else {
                return Evaluation(value: .nan, derivative: .nan, loss: .infinity)
            }
            loss = max(loss, largest / abs(sum))
            y = sum
            slope = slopeSum / h
            distance -= h
            if distance - target <= 1e-15 * distance { break }
        }
        return Evaluation(value: y, derivative: slope, loss: loss.isNaN ? 1 : loss)
    }
}
