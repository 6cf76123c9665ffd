import Foundation
import ReactivateCore
import ReactivateSimulation

/// Seeded xoshiro256** (state from SplitMix64), so every simulated base is the same on every run.
struct BGNBDTestRandom: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var seeder = SplitMix64(state: seed)
        state = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    mutating func next() -> UInt64 {
        let product = state.1 &* 5
        let result = ((product << 7) | (product >> 57)) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = (state.3 << 45) | (state.3 >> 19)
        return result
    }

    /// Uniform on [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func exponential() -> Double { -log(1 - uniform()) }

    mutating func standardNormal() -> Double {
        let radius = (-2 * log(1 - uniform())).squareRoot()
        return radius * cos(2 * Double.pi * uniform())
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through G(k) = G(k+1)·U^(1/k).
    mutating func gamma(shape: Double) -> Double {
        if shape < 1 { return gamma(shape: shape + 1) * pow(1 - uniform(), 1 / shape) }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0
            var v = 0.0
            repeat {
                x = standardNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - uniform()
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// Beta(a, b) as G(a)/(G(a) + G(b)).
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let first = gamma(shape: a)
        return first / (first + gamma(shape: b))
    }
}

/// One simulated customer: what was observed up to T, and what happened next (for calibration checks).
struct BGNBDSimulatedCustomer {
    var summary: CustomerSummary
    /// Still active at T (has not dropped out after one of the observed purchases).
    var aliveAtAge: Bool
    /// Purchases in (T, T + horizon].
    var futurePurchases: Int
}

/// The BG/NBD story in continuous time: λ ~ Gamma(r, α), p ~ Beta(a, b); purchases come as a Poisson
/// process with rate λ from the first purchase at 0, and after every purchase the customer leaves for
/// good with probability p. T is uniform on `ages`.
func bgnbdSimulate(
    _ parameters: BGNBDParameters, customers: Int, ages: ClosedRange<Double>, horizon: Double = 0, seed: UInt64
) -> [BGNBDSimulatedCustomer] {
    var random = BGNBDTestRandom(seed: seed)
    var result: [BGNBDSimulatedCustomer] = []
    result.reserveCapacity(customers)
    for _ in 0..<customers {
        let rate = random.gamma(shape: parameters.r) / parameters.alpha
        let dropout = random.beta(parameters.a, parameters.b)
        let age = ages.lowerBound + random.uniform() * (ages.upperBound - ages.lowerBound)
        var time = 0.0
        var repeats = 0
        var last = 0.0
        var future = 0
        var alive = true
        var aliveAtAge = true
        while alive {
            time += random.exponential() / rate
            if time > age + horizon { break }
            if time <= age {
                repeats += 1
                last = time
            } else {
                future += 1
            }
            if random.uniform() < dropout {
                alive = false
                if time <= age { aliveAtAge = false }
            }
        }
        result.append(
            BGNBDSimulatedCustomer(
                summary: CustomerSummary(frequency: Double(repeats), recency: last, age: age),
                aliveAtAge: aliveAtAge, futurePurchases: future))
    }
    return result
}

/// ln ∫ exp(f(u)) du over ℝ by the trapezoidal rule with step h, walking out from `center` (near the
/// peak) until the integrand is 45 e-folds below its peak. For the smooth, exponentially decaying
/// integrands used here the rule converges geometrically as h shrinks. Works in logs so that integrands
/// far below 1e−300 keep their digits.
func bgnbdLogIntegral(center: Double, step h: Double, _ logIntegrand: (Double) -> Double) -> Double {
    let offset = logIntegrand(center)
    var peak = offset
    var sum = 1.0
    for direction in [-1.0, 1.0] {
        var k = 1.0
        var quiet = 0
        while quiet < 10 && k < 1_000_000 {
            let value = logIntegrand(center + direction * k * h)
            peak = max(peak, value)
            sum += exp(value - offset)
            quiet = value < peak - 45 ? quiet + 1 : 0
            k += 1
        }
    }
    return offset + log(sum * h)
}

/// ln(1 + eᵛ) without overflow.
func bgnbdSoftplus(_ v: Double) -> Double {
    v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))
}
