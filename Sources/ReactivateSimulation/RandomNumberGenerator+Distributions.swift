import Foundation
import ReactivateCore

/// Samplers for the distributions the simulator draws from.
///
/// Written here rather than taken from a package so that the numbers are the same on every platform and
/// toolchain for a given seed (the standard library's `random(in:using:)` algorithms are not promised to
/// stay fixed). Each sampler documents its method; degenerate parameters (≤ 0, NaN) give the limit value
/// instead of trapping, because the simulator must never crash halfway through a load.
extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in (0, 1), safe to pass to `log` or to divide by.
    @inline(__always)
    public mutating func nextOpenUnitInterval() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A uniform integer in 0..<n by multiply-high (bias below n / 2⁶⁴, negligible here); 0 when n ≤ 1.
    @inline(__always)
    public mutating func nextIndex(below n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// True with probability `p`.
    @inline(__always)
    public mutating func nextBernoulli(_ p: Double) -> Bool {
        nextUnitInterval() < p
    }

    /// A standard normal deviate by Box–Muller (one of the pair; keeping no cache keeps the generator a plain value).
    public mutating func nextStandardNormal() -> Double {
        let radius = (-2.0 * log(nextOpenUnitInterval())).squareRoot()
        return radius * cos(2.0 * Double.pi * nextUnitInterval())
    }

    /// A normal deviate with the given mean and standard deviation.
    public mutating func nextNormal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextStandardNormal()
    }

    /// An exponential deviate with the given mean (inverse transform); 0 when mean ≤ 0.
    public mutating func nextExponential(mean: Double) -> Double {
        guard mean > 0 else { return 0 }
        return -log(nextOpenUnitInterval()) * mean
    }

    /// A log-normal deviate: exp(mu + sigma·Z), so the median is exp(mu) and the mean exp(mu + sigma²/2).
    public mutating func nextLogNormal(mu: Double, sigma: Double) -> Double {
        exp(mu + sigma * nextStandardNormal())
    }

    /// A Gamma deviate with the given shape k and scale θ (mean kθ, variance kθ²).
    ///
    /// Marsaglia and Tsang (2000) for k ≥ 1; for k < 1 the usual boost Gamma(k+1)·U^(1/k).
    /// Returns 0 for k ≤ 0 or θ ≤ 0, the limit of the distribution.
    public mutating func nextGamma(shape: Double, scale: Double) -> Double {
        guard shape > 0, scale > 0 else { return 0 }
        if shape < 1 {
            let boosted = nextGamma(shape: shape + 1, scale: 1)
            return boosted * pow(nextOpenUnitInterval(), 1 / shape) * scale
        }
        let d = shape - 1.0 / 3.0
        let c = 1.0 / (9.0 * d).squareRoot()
        while true {
            let x = nextStandardNormal()
            var v = 1 + c * x
            if v <= 0 { continue }
            v = v * v * v
            let u = nextOpenUnitInterval()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v * scale }
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v * scale }
        }
    }

    /// A Beta(α, β) deviate as X/(X+Y) with X ~ Gamma(α), Y ~ Gamma(β).
    ///
    /// With tiny shapes both gammas can underflow to 0; the limit is then a Bernoulli(α/(α+β)) at 0 or 1.
    public mutating func nextBeta(alpha: Double, beta: Double) -> Double {
        guard alpha > 0, beta > 0 else { return alpha > 0 ? 1 : 0 }
        let x = nextGamma(shape: alpha, scale: 1)
        let y = nextGamma(shape: beta, scale: 1)
        let sum = x + y
        guard sum > 0 else { return nextBernoulli(alpha / (alpha + beta)) ? 1 : 0 }
        return x / sum
    }

    /// A Poisson deviate with the given mean; 0 when mean ≤ 0.
    ///
    /// Knuth's multiplication method below a mean of 10, Hörmann's PTRS transformed rejection above
    /// (the same split NumPy uses), so the cost stays flat for large means.
    public mutating func nextPoisson(mean: Double) -> Int {
        guard mean > 0, mean.isFinite else { return 0 }
        if mean < 10 {
            let limit = exp(-mean)
            var product = nextUnitInterval()
            var count = 0
            while product > limit {
                count += 1
                product *= nextUnitInterval()
            }
            return count
        }
        let sqrtMean = mean.squareRoot()
        let logMean = log(mean)
        let b = 0.931 + 2.53 * sqrtMean
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = nextUnitInterval() - 0.5
            let v = nextUnitInterval()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + mean + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            let lhs = log(v) + log(inverseAlpha) - log(a / (us * us) + b)
            let rhs = -mean + k * logMean - SamplingMath.logFactorial(Int(k))
            if lhs <= rhs { return Int(k) }
        }
    }
}
