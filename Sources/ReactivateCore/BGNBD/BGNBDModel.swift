import Foundation

/// A fitted BG/NBD model ready to score members one at a time, millions of times.
///
/// Holds the parameters with the per-parameter constants precomputed; every method is a pure function
/// of its arguments, so one value can be shared by all threads scoring a member base.
/// Invalid summaries (see `CustomerSummary.problem`) or horizons yield NaN rather than a trap, so a bad
/// row cannot stop a batch; validate first where a row-level error is wanted.
public struct BGNBDModel: Sendable, Equatable {
    public let parameters: BGNBDParameters
    /// The limiting model predictions come from when the fit's maximum lies on the edge of the parameter
    /// space (see `BGNBDLimit`); nil for the full model at `parameters`.
    public let limit: BGNBDLimit?
    let logA: Double
    let logAlpha: Double
    /// a + b − 1 − r, the first upper parameter of the Euler-transformed ₂F₁ (independent of x).
    let tailShape: Double
    let logGammaR: Double
    let logGammaB: Double
    let logGammaAB: Double

    /// - Throws: `BGNBDError` unless all four parameters are finite and positive.
    public init(parameters: BGNBDParameters) throws(BGNBDError) {
        try parameters.validate()
        self.parameters = parameters
        self.limit = nil
        logA = log(parameters.a)
        logAlpha = log(parameters.alpha)
        tailShape = parameters.a + parameters.b - 1 - parameters.r
        logGammaR = BGNBDMath.logGamma(parameters.r)
        logGammaB = BGNBDMath.logGamma(parameters.b)
        logGammaAB = BGNBDMath.logGamma(parameters.a + parameters.b)
    }

    /// Predicts with a limiting model; `parameters` are kept for reporting only (a four-parameter point
    /// near the limit, such as the last iterate of a fit that ran towards it). A gamma–beta "limit" is
    /// the full model at those parameters.
    /// - Throws: `BGNBDError` unless the parameters and the limit's own parameters are finite and in range.
    public init(limit: BGNBDLimit, parameters: BGNBDParameters) throws(BGNBDError) {
        if case .gamma(let r, let alpha) = limit.rates, case .beta(let a, let b) = limit.dropout {
            try self.init(parameters: BGNBDParameters(r: r, alpha: alpha, a: a, b: b))
            return
        }
        guard limit.isValid else {
            throw BGNBDError(
                kind: .invalidParameters, reason: "the limiting model \(limit) has parameters out of range",
                fix: "use a limit from a successful fit")
        }
        try self.init(parameters: parameters)
        self = BGNBDModel(copying: self, limit: limit)
    }

    private init(copying model: BGNBDModel, limit: BGNBDLimit) {
        parameters = model.parameters
        self.limit = limit
        logA = model.logA
        logAlpha = model.logAlpha
        tailShape = model.tailShape
        logGammaR = model.logGammaR
        logGammaB = model.logGammaB
        logGammaAB = model.logGammaAB
    }

    /// A member's probability of being alive and expected purchases over one horizon, computed together.
    public struct Prediction: Sendable, Equatable {
        /// P(alive at T | x, t_x, T).
        public var probabilityAlive: Double
        /// E[Y(t) | x, t_x, T], purchases expected in the next `horizon` time units.
        public var expectedPurchases: Double

        public init(probabilityAlive: Double, expectedPurchases: Double) {
            self.probabilityAlive = probabilityAlive
            self.expectedPurchases = expectedPurchases
        }
    }

    // MARK: Probability alive

    /// P(alive | x, t_x, T) = 1 / (1 + δ₍ₓ>₀₎ · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (FHL eq. 11).
    ///
    /// Exactly 1 for x = 0 (a customer who never came back has had no chance to drop out, which can only
    /// happen right after a purchase). Evaluated as a logistic function of the log-odds, so neither the
    /// power nor the ratio is ever formed and nothing overflows.
    public func probabilityAlive(_ summary: CustomerSummary) -> Double {
        guard summary.problem == nil else { return .nan }
        return Self.logistic(-logOddsDead(summary))
    }

    /// ln[P(dead)/P(alive)], −∞ for x = 0.
    func logOddsDead(_ summary: CustomerSummary) -> Double {
        let x = summary.frequency
        guard x > 0 else { return -.infinity }
        if let limit { return limit.logOddsDead(frequency: x, recency: summary.recency, age: summary.age) }
        let p = parameters
        // ln((α+T)/(α+t_x)) as log1p so a gap much shorter than α keeps its digits.
        let spread = log1p((summary.age - summary.recency) / (p.alpha + summary.recency))
        return logA - log(p.b + x - 1) + (p.r + x) * spread
    }

    /// 1/(1 + e^(−u)) without overflow for either sign of u.
    @inlinable
    static func logistic(_ u: Double) -> Double {
        if u >= 0 { return 1 / (1 + exp(-u)) }
        let e = exp(u)
        return e / (1 + e)
    }

    // MARK: Expected purchases

    /// E[Y(t) | x, t_x, T], the purchases expected in the `horizon` following the end of observation
    /// (FHL eq. 10). NaN for an invalid summary or a negative or non-finite horizon.
    public func expectedPurchases(horizon: Double, given summary: CustomerSummary) -> Double {
        predict(summary, horizon: horizon).expectedPurchases
    }

    /// Both predictions for one member; cheaper than two calls. NaN fields for invalid input.
    public func predict(_ summary: CustomerSummary, horizon: Double) -> Prediction {
        guard summary.problem == nil else { return Prediction(probabilityAlive: .nan, expectedPurchases: .nan) }
        let alive = Self.logistic(-logOddsDead(summary))
        guard horizon.isFinite, horizon >= 0 else {
            return Prediction(probabilityAlive: alive, expectedPurchases: .nan)
        }
        let expected = expectedIfAlive(frequency: summary.frequency, age: summary.age, horizon: horizon)
        return Prediction(probabilityAlive: alive, expectedPurchases: alive * expected)
    }

    /// E[X(t)], purchases expected in the first `horizon` time units after a new customer's first
    /// purchase (FHL eq. 9); the first purchase itself is not counted.
    public func expectedPurchases(horizon: Double) -> Double {
        guard horizon.isFinite, horizon >= 0 else { return .nan }
        return expectedIfAlive(frequency: 0, age: 0, horizon: horizon)
    }

    /// E[Y(t) | alive at T, x] = E over p ~ Beta(a, b+x) of (1 − (1 + p·s)^(−(r+x)))/p with s = t/(α+T):
    /// eq. 10 without its P(alive) factor.
    ///
    /// Two exact forms, each used where it is well conditioned:
    /// - s ≤ ½: the Pfaff-transformed series C/(a−1)·(1 − ₂F₁(a−1, k; C; −s)) = Σₙ (−1)ⁿ⁺¹ (a)ₙ₋₁(k)ₙ sⁿ /
    ///   ((C+1)ₙ₋₁ n!) with k = r+x, C = a+b+x−1. It has no 1/(a−1) and converges at least like 2⁻ⁿ.
    /// - s > ½: with z = s/(1+s), Euler's transformation gives
    ///   C·(1 − (1−z)^(a−1))/(a−1) − (1−z)^(a−1)·C·S, S = (₂F₁(a+b−1−r, a−1; C; z) − 1)/(a−1), where
    ///   the first part is written with expm1 (exact as a → 1) and S comes from `HypergeometricEquation`
    ///   (series, then continuation towards z = 1).
    /// Where either loses more than five digits to cancellation (extreme parameters) the expectation is
    /// integrated numerically over p instead.
    func expectedIfAlive(frequency x: Double, age: Double, horizon: Double) -> Double {
        if horizon == 0 { return 0 }
        if let limit { return limit.expectedIfAlive(frequency: x, age: age, horizon: horizon) }
        let p = parameters
        let k = p.r + x
        let c = p.a + p.b + x - 1
        let s = horizon / (p.alpha + age)
        var estimate: (value: Double, loss: Double)
        if s <= 0.5 {
            estimate = Self.pfaffSeries(a: p.a, k: k, c: c, s: s)
        } else {
            estimate = eulerForm(c: c, s: s)
        }
        if estimate.value.isFinite, estimate.value >= 0, estimate.loss < 1e5 { return estimate.value }
        return Self.integrateOverDropout(a: p.a, beta: p.b + x, k: k, s: s)
    }

    /// Σₙ≥₁ (−1)ⁿ⁺¹ (a)ₙ₋₁ (k)ₙ sⁿ / ((C+1)ₙ₋₁ n!), with the ratio of the largest term to the sum.
    static func pfaffSeries(a: Double, k: Double, c: Double, s: Double) -> (value: Double, loss: Double) {
        var term = k * s
        var sum = 0.0
        var largest = 0.0
        var n = 1.0
        for _ in 0..<5_000 {
            sum += term
            largest = max(largest, abs(term))
            if abs(term) <= 1e-17 * abs(sum) || term == 0 { return (sum, largest / abs(sum)) }
            term *= -(a + n - 1) * (k + n) / ((c + n) * (n + 1)) * s
            n += 1
            if !term.isFinite { break }
        }
        return (.nan, .infinity)
    }

    /// The Euler-transformed closed form for s > ½, with the cancellation ratio between its two parts.
    func eulerForm(c: Double, s: Double) -> (value: Double, loss: Double) {
        let a = parameters.a
        let logOneMinusZ = -log1p(s)
        let z = s / (1 + s)
        let u = (a - 1) * logOneMinusZ
        let first = c * -logOneMinusZ * BGNBDMath.relativeExpm1(u)
        // C·S solves the hypergeometric equation with forcing C·(a+b−1−r); its series starts C·S = (a+b−1−r) z + …
        let equation = HypergeometricEquation(a: tailShape, b: a - 1, c: c, forcing: c * tailShape)
        let scaledTail = equation.solution(at: z, oneMinusZ: 1 / (1 + s), value: 0, firstCoefficient: tailShape)
        let second = exp(u) * scaledTail.value
        let value = first - second
        return (value, max(scaledTail.loss, (abs(first) + abs(second)) / abs(value)))
    }

    /// E over p ~ Beta(a, β) of (1 − (1 + p·s)^(−k))/p by the trapezoidal rule in v = logit p.
    ///
    /// The integrand is analytic in a strip around the real v axis and decays exponentially both ways,
    /// where the trapezoidal rule converges geometrically; the step follows the width of the beta
    /// distribution in v, and the walk out from the mode stops when the terms no longer matter. Slow
    /// (hundreds of evaluations) but valid for any parameters, so it backs up the series.
    static func integrateOverDropout(a: Double, beta: Double, k: Double, s: Double) -> Double {
        integrateOverDropout(a: a, beta: beta, k: k, s: s, poissonExposure: nil)
    }

    /// E over p ~ Beta(a, β) of (1 − e^(−u·p))/p: the same with one purchase rate λ for all, u = λt.
    static func integrateOverDropout(a: Double, beta: Double, poissonExposure u: Double) -> Double {
        integrateOverDropout(a: a, beta: beta, k: .nan, s: .nan, poissonExposure: u)
    }

    private static func integrateOverDropout(
        a: Double, beta: Double, k: Double, s: Double, poissonExposure: Double?
    ) -> Double {
        let logBeta = BGNBDMath.logGamma(a) + BGNBDMath.logGamma(beta) - BGNBDMath.logGamma(a + beta)
        let mode = log(a) - log(beta)
        let width = (1 / a + 1 / beta).squareRoot()
        let h = min(0.4, width / 2.5)
        func integrand(_ v: Double) -> Double {
            // ln density of v = logit p: a·v − (a+β)·ln(1+eᵛ) − ln B(a, β).
            let softplus = v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))
            let logDensity = a * v - (a + beta) * softplus - logBeta
            let probability = v > 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v))
            // Below ~1e−150 p·s would reach subnormal numbers and lose digits; there the value is k·s exactly.
            let value: Double
            if let u = poissonExposure {
                value = probability * u > 1e-150 ? -expm1(-u * probability) / probability : u
            } else {
                value = probability * s > 1e-150 ? -expm1(-k * log1p(probability * s)) / probability : k * s
            }
            return exp(logDensity) * value
        }
        var sum = integrand(mode)
        var largest = sum
        for direction in [-1.0, 1.0] {
            var step = 1.0
            var quiet = 0
            while step <= 20_000 {
                let value = integrand(mode + direction * step * h)
                sum += value
                largest = max(largest, value)
                quiet = value <= 1e-18 * largest ? quiet + 1 : 0
                if quiet >= 8 { break }
                step += 1
            }
            guard quiet < 8 else { continue }
            // Tiny a or β leave long exponential tails; far out the integrand is a plain exponential,
            // integrated exactly from where the last trapezoid cell ends (half a step past its node).
            let edge = mode + direction * (step - 0.5) * h
            if direction < 0 {
                // p → 0: (1 − (1+ps)^(−k))/p → k·s, density → e^(a·v − ln B).
                sum += (poissonExposure ?? k * s) * exp(a * edge - logBeta) / (a * h)
            } else {
                // p → 1: the value → 1 − (1+s)^(−k), density → e^(−β·v − ln B).
                let atOne = poissonExposure.map { -expm1(-$0) } ?? -expm1(-k * log1p(s))
                sum += atOne * exp(-beta * edge - logBeta) / (beta * h)
            }
        }
        return sum * h
    }

    // MARK: Likelihood

    /// One customer's log-likelihood, FHL eq. 6 in log space (see `BGNBDLikelihood` for the formula);
    /// NaN for an invalid summary.
    public func logLikelihood(_ summary: CustomerSummary) -> Double {
        guard summary.problem == nil else { return .nan }
        let p = parameters
        let x = summary.frequency
        let a1 = -(p.r + x) * log(p.alpha + summary.age)
        var mixture = a1
        if x > 0 {
            let a2 = logA - log(p.b + x - 1) - (p.r + x) * log(p.alpha + summary.recency)
            let larger = max(a1, a2)
            mixture = larger + log1p(exp(-abs(a1 - a2)))
        }
        var gammaPart = p.r * logAlpha
        if x > 0 {
            gammaPart +=
                BGNBDMath.logGamma(p.r + x) - logGammaR + logGammaAB + BGNBDMath.logGamma(p.b + x) - logGammaB
                - BGNBDMath.logGamma(p.a + p.b + x)
        }
        return gammaPart + mixture
    }

    /// Σ count × LL over grouped summaries, one customer at a time (for checks; fitting uses
    /// `BGNBDLikelihood`, which is arranged for speed).
    public func logLikelihood(_ groups: some Sequence<WeightedCustomerSummary>) -> Double {
        groups.reduce(0) { $0 + Double($1.count) * logLikelihood($1.summary) }
    }
}
