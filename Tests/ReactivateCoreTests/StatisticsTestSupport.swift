import Foundation
@testable import ReactivateCore
import ReactivateSimulation

/// SplitMix64: a tiny seeded generator, so every random test replays exactly.
struct StatisticsTestRNG: RandomNumberGenerator {
    private var base: SplitMix64

    init(seed: UInt64) { base = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { base.next() }

    /// Uniform in the open interval (0, 1), from the top 53 bits.
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Standard normal by Box–Muller (one value per call; simplicity over speed).
    mutating func normal() -> Double {
        let radius = (-2 * log(uniform())).squareRoot()
        return radius * cos(2 * Double.pi * uniform())
    }

    mutating func bernoulli(_ probability: Double) -> Bool { uniform() < probability }
}

/// Simulated members for the merge and coverage tests: skewed, mostly-zero sales with refunds,
/// and a pre-period covariate that shares a latent spending propensity with the outcome.
enum StatisticsTestPopulation {
    /// Per-member lift in the treatment arm: 8 % of treated members buy lognormal(8.5, 0.8) cents more.
    static let liftProbability = 0.08
    static let liftLogMean = 8.5
    static let liftLogSD = 0.8
    /// E[lift] in cents per treated member; rounding to whole cents adds no bias worth measuring.
    static var trueLiftCents: Double { liftProbability * exp(liftLogMean + liftLogSD * liftLogSD / 2) }
    /// P(purchase without coupon) = P(N₁ + N₂ > 0.9) for independent standard normals.
    static var baseReactivationRate: Double { NormalDistribution.cdf(-0.9 / 2.0.squareRoot()) }
    /// The coupon's independent purchase chance adds p·(1 − base) to the reactivation rate.
    static var trueReactivationLift: Double { liftProbability * (1 - baseReactivationRate) }

    static func member(treated: Bool, using rng: inout StatisticsTestRNG) throws -> MemberOutcome {
        let propensity = rng.normal()
        // Pre-period sales: most members spent something, heavier spenders have higher propensity.
        let preSales = rng.bernoulli(0.7) ? cents(exp(8 + 0.9 * propensity + 0.5 * rng.normal())) : 0
        // Window sales without coupon: buying at all and how much both depend on the propensity.
        var sales: Int64 = 0
        var purchased = false
        if propensity + rng.normal() > 0.9 {
            sales = cents(exp(7.6 + 0.8 * propensity + 0.6 * rng.normal()))
            purchased = true
        }
        // Refunds of earlier purchases: negative sales, not a reactivation.
        if rng.bernoulli(0.03) { sales -= cents(exp(6 + 0.5 * rng.normal())) }
        var redeemed = false
        if treated, rng.bernoulli(liftProbability) {
            sales += cents(exp(liftLogMean + liftLogSD * rng.normal()))
            purchased = true
            redeemed = rng.bernoulli(0.7)
        }
        return try MemberOutcome(
            salesCents: sales, preSalesCents: preSales, reactivated: purchased, redeemed: redeemed,
            redeemedFaceValueCents: redeemed ? 1_000 : 0)
    }

    private static func cents(_ value: Double) -> Int64 { Int64(min(value, 1e11).rounded()) }
}

/// Every Double reachable in a value (through structs, optionals, intervals), as bit patterns,
/// with nil recorded as nil, so two results compare bit for bit and NaNs can be hunted down.
func statisticsDoubleBits(of value: Any) -> [UInt64?] {
    var bits: [UInt64?] = []
    func walk(_ value: Any) {
        if let double = value as? Double {
            bits.append(double.bitPattern)
            return
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional, mirror.children.isEmpty {
            bits.append(nil)
            return
        }
        for child in mirror.children { walk(child.value) }
    }
    walk(value)
    return bits
}

/// The Doubles in a value that are NaN or infinite, by bit pattern (empty means clean).
func statisticsNonFiniteDoubles(in value: Any) -> [Double] {
    statisticsDoubleBits(of: value).compactMap { $0 }.map(Double.init(bitPattern:)).filter { !$0.isFinite }
}
