import Foundation

/// A limiting case of BG/NBD, reached when the likelihood's maximum lies on the edge of the parameter
/// space rather than inside it.
///
/// The BG/NBD mixes purchase rates λ ~ Gamma(r, α) with dropout probabilities p ~ Beta(a, b). When the
/// data shows no dropout, the likelihood keeps rising as b/a → ∞ (p → 0); when every customer buys at
/// the same pace it rises as r, α → ∞ with r/α fixed (one rate for all); when dropout is the same for
/// everybody, as a, b → ∞ with a/(a+b) fixed. A fit that chases such a supremum never converges, but the
/// limit is itself a well-defined model with fewer parameters, whose maximum is ordinary: the NBD
/// (no dropout), a Poisson process, or a fixed dropout probability. `BGNBDFit` fits these and reports
/// the best one as a `BGNBDLimit`; `BGNBDModel` predicts with it.
public struct BGNBDLimit: Sendable, Equatable, CustomStringConvertible {
    /// How purchase rates vary between customers.
    public enum Rates: Sendable, Equatable {
        /// λ ~ Gamma(shape r, rate α), as in the full model.
        case gamma(r: Double, alpha: Double)
        /// Every customer buys at the same rate λ (r, α → ∞ with r/α = λ).
        case single(rate: Double)
    }

    /// How the probability of dropping out after a purchase varies between customers.
    public enum Dropout: Sendable, Equatable {
        /// p ~ Beta(a, b), as in the full model.
        case beta(a: Double, b: Double)
        /// Every customer has the same p (a, b → ∞ with a/(a+b) = p).
        case constant(probability: Double)
        /// Nobody drops out (b/a → ∞): P(alive) = 1 for everyone.
        case none
    }

    public var rates: Rates
    public var dropout: Dropout

    public init(rates: Rates, dropout: Dropout) {
        self.rates = rates
        self.dropout = dropout
    }

    /// The limit in words with its parameters, for warnings and logs.
    public var description: String {
        let rate: String
        switch rates {
        case .gamma(let r, let alpha): rate = "gamma-distributed purchase rates (r=\(r), alpha=\(alpha))"
        case .single(let lambda): rate = "one purchase rate for everyone (r, alpha → ∞, rate=\(lambda) per time unit)"
        }
        switch dropout {
        case .none:
            return "no dropout (a/b → 0, P(alive) = 1 for everyone) with \(rate)"
        case .constant(let p):
            return "the same dropout probability \(p) after every purchase for everyone (a, b → ∞) with \(rate)"
        case .beta(let a, let b):
            return "beta-distributed dropout (a=\(a), b=\(b)) with \(rate)"
        }
    }

    /// Whether every parameter of the limit is finite and in its domain.
    var isValid: Bool {
        switch rates {
        case .gamma(let r, let alpha): guard r.isFinite, r > 0, alpha.isFinite, alpha > 0 else { return false }
        case .single(let lambda): guard lambda.isFinite, lambda >= 0 else { return false }
        }
        switch dropout {
        case .beta(let a, let b): return a.isFinite && a > 0 && b.isFinite && b > 0
        case .constant(let p): return p > 0 && p < 1
        case .none: return true
        }
    }

    // MARK: Predictions

    /// ln[P(dead)/P(alive)] for a customer with x > 0 repeat purchases (FHL eq. 11 in the limit).
    func logOddsDead(frequency x: Double, recency: Double, age: Double) -> Double {
        guard x > 0 else { return -.infinity }
        let odds: Double
        switch dropout {
        case .none: return -.infinity
        case .constant(let p): odds = log(p) - log1p(-p)
        case .beta(let a, let b): odds = log(a) - log(b + x - 1)
        }
        switch rates {
        case .gamma(let r, let alpha): return odds + (r + x) * log1p((age - recency) / (alpha + recency))
        case .single(let lambda): return odds + lambda * (age - recency)
        }
    }

    /// E[Y(t) | alive at T, x]: E over the posterior of (λ, p) of (1 − e^(−λ p t))/p (λ t when p = 0).
    /// The gamma–beta case is the full model's and is not handled here.
    func expectedIfAlive(frequency x: Double, age: Double, horizon t: Double) -> Double {
        if t == 0 { return 0 }
        switch (rates, dropout) {
        case (.gamma(let r, let alpha), .none): return (r + x) * t / (alpha + age)
        case (.single(let lambda), .none): return lambda * t
        case (.gamma(let r, let alpha), .constant(let p)):
            // E over λ ~ Gamma(r+x, α+T) of e^(−λ p t) = (1 + p t/(α+T))^(−(r+x)).
            return -expm1(-(r + x) * log1p(p * t / (alpha + age))) / p
        case (.single(let lambda), .constant(let p)): return -expm1(-lambda * p * t) / p
        case (.single(let lambda), .beta(let a, let b)):
            return BGNBDModel.integrateOverDropout(a: a, beta: b + x, poissonExposure: lambda * t)
        case (.gamma, .beta): return .nan
        }
    }

    // MARK: Likelihood

    /// The parameters the limit is fitted over, in unconstrained coordinates: ln r, ln α (or ln λ) in
    /// slots 0–1, ln a, ln b (or logit p) in slots 2–3; unused slots are 0.
    var coordinates: SIMD4<Double> {
        var theta = SIMD4<Double>()
        switch rates {
        case .gamma(let r, let alpha): (theta[0], theta[1]) = (log(r), log(alpha))
        case .single(let lambda): theta[0] = log(lambda)
        }
        switch dropout {
        case .beta(let a, let b): (theta[2], theta[3]) = (log(a), log(b))
        case .constant(let p): theta[2] = log(p) - log1p(-p)
        case .none: break
        }
        return theta
    }

    /// The same kind of limit at other coordinates (see `coordinates`).
    func moved(to theta: SIMD4<Double>) -> BGNBDLimit {
        var limit = self
        switch rates {
        case .gamma: limit.rates = .gamma(r: exp(theta[0]), alpha: exp(theta[1]))
        case .single: limit.rates = .single(rate: exp(theta[0]))
        }
        switch dropout {
        case .beta: limit.dropout = .beta(a: exp(theta[2]), b: exp(theta[3]))
        case .constant: limit.dropout = .constant(probability: 1 / (1 + exp(-theta[2])))
        case .none: break
        }
        return limit
    }

    /// Which coordinate slots the limit uses.
    var usedSlots: SIMD4<Double> {
        var mask = SIMD4<Double>()
        switch rates {
        case .gamma: (mask[0], mask[1]) = (1, 1)
        case .single: mask[0] = 1
        }
        switch dropout {
        case .beta: (mask[2], mask[3]) = (1, 1)
        case .constant: mask[2] = 1
        case .none: break
        }
        return mask
    }
}

extension BGNBDLikelihood {
    /// The total log-likelihood of a limiting model and its gradient with respect to its coordinates
    /// (`BGNBDLimit.coordinates`).
    ///
    /// Per customer L = R(x, T)·D₀(x) + δ₍ₓ>₀₎ R(x, t_x)·D₁(x) with R(x, c) = E_λ[λˣ e^(−λc)],
    /// D₀ = E_p[(1−p)ˣ] and D₁ = E_p[p(1−p)ˣ⁻¹]; the full model is the gamma–beta case. Written for
    /// clarity rather than speed: it runs only after the main fit has found its maximum on the edge.
    func limitLogLikelihoodAndGradient(_ limit: BGNBDLimit) -> (logLikelihood: Double, gradient: SIMD4<Double>) {
        typealias Vector = SIMD4<Double>
        guard limit.isValid else { return (.nan, Vector(repeating: .nan)) }
        // Per distinct x: the rate part without exposure, ln D₀, ln D₁, each with its gradient
        // (natural parameters first, converted to the coordinates below).
        var rateLog = [Double](repeating: 0, count: frequencies.count)
        var rateGradient = [Vector](repeating: Vector(), count: frequencies.count)
        var stay = [Double](repeating: 0, count: frequencies.count)
        var stayGradient = [Vector](repeating: Vector(), count: frequencies.count)
        var leave = [Double](repeating: -.infinity, count: frequencies.count)
        var leaveGradient = [Vector](repeating: Vector(), count: frequencies.count)
        for (index, x) in frequencies.enumerated() {
            switch limit.rates {
            case .gamma(let r, let alpha):
                rateLog[index] = BGNBDMath.logGamma(r + x) - BGNBDMath.logGamma(r) + r * log(alpha)
                rateGradient[index] = Vector(
                    BGNBDMath.digamma(r + x) - BGNBDMath.digamma(r) + log(alpha), r / alpha, 0, 0)
            case .single(let lambda):
                rateLog[index] = x > 0 ? x * log(lambda) : 0
                rateGradient[index] = Vector(x > 0 ? x / lambda : 0, 0, 0, 0)
            }
            guard x > 0 else { continue }
            switch limit.dropout {
            case .none: break
            case .constant(let p):
                stay[index] = x * log1p(-p)
                stayGradient[index] = Vector(0, 0, -x / (1 - p), 0)
                leave[index] = log(p) + (x - 1) * log1p(-p)
                leaveGradient[index] = Vector(0, 0, 1 / p - (x - 1) / (1 - p), 0)
            case .beta(let a, let b):
                let digammaABX = BGNBDMath.digamma(a + b + x)
                let digammaAB = BGNBDMath.digamma(a + b)
                stay[index] =
                    BGNBDMath.logGamma(b + x) - BGNBDMath.logGamma(b) + BGNBDMath.logGamma(a + b)
                    - BGNBDMath.logGamma(a + b + x)
                stayGradient[index] = Vector(
                    0, 0, digammaAB - digammaABX, BGNBDMath.digamma(b + x) - BGNBDMath.digamma(b) + digammaAB - digammaABX)
                leave[index] = stay[index] + log(a) - log(b + x - 1)
                leaveGradient[index] = stayGradient[index] + Vector(0, 0, 1 / a, -1 / (b + x - 1))
            }
        }
        // Exposure −(r+x) ln(α+c) or −λc, per distinct time; the x-dependent part is added per group.
        func exposure(_ x: Double, _ c: Double) -> (Double, Vector) {
            switch limit.rates {
            case .gamma(let r, let alpha):
                let logTime = log(alpha + c)
                return (-(r + x) * logTime, Vector(-logTime, -(r + x) / (alpha + c), 0, 0))
            case .single(let lambda):
                return (-lambda * c, Vector(-c, 0, 0, 0))
            }
        }
        var total = 0.0
        var gradient = Vector()
        let zeroSlot = frequencies.firstIndex(of: 0)
        for (ageIndex, count) in zeroFrequencyCountsByAge.enumerated() where count > 0 {
            let (value, slope) = exposure(0, ages[ageIndex])
            let base = zeroSlot.map { rateLog[$0] } ?? 0
            let baseSlope = zeroSlot.map { rateGradient[$0] } ?? Vector()
            total += count * (base + value)
            gradient += count * (baseSlope + slope)
        }
        for group in groupCount.indices {
            let xi = Int(groupFrequency[group])
            let x = frequencies[xi]
            let n = groupCount[group]
            let (atAge, atAgeSlope) = exposure(x, ages[Int(groupAge[group])])
            let (atRecency, atRecencySlope) = exposure(x, recencies[Int(groupRecency[group])])
            let alive = atAge + stay[xi]
            let dropped = atRecency + leave[xi]
            let larger = max(alive, dropped)
            let mixture = larger.isFinite ? larger + log1p(exp(-abs(alive - dropped))) : alive
            let weight = dropped == -.infinity ? 0 : 1 / (1 + exp(alive - dropped))
            total += n * (rateLog[xi] + mixture)
            let staying: Vector = (1 - weight) * (atAgeSlope + stayGradient[xi])
            let leaving: Vector = weight * (atRecencySlope + leaveGradient[xi])
            let slope: Vector = rateGradient[xi] + staying + leaving
            gradient += n * slope
        }
        // Natural parameters → coordinates: d/d ln θ = θ·d/dθ, d/d logit p = p(1−p)·d/dp.
        var scale = Vector()
        switch limit.rates {
        case .gamma(let r, let alpha): (scale[0], scale[1]) = (r, alpha)
        case .single(let lambda): scale[0] = lambda
        }
        switch limit.dropout {
        case .beta(let a, let b): (scale[2], scale[3]) = (a, b)
        case .constant(let p): scale[2] = p * (1 - p)
        case .none: break
        }
        return (total, gradient * scale)
    }
}
