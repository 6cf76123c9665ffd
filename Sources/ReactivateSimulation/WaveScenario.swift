import Foundation
import ReactivateCore

/// A coupon wave as the simulator sees it: when it was issued, how long it is measured, and how much the
/// coupon changes behaviour — the *true* effect that attribution is supposed to recover.
public struct WaveScenario: Sendable, Equatable {
    /// Wave number, 0…1023; part of the random stream and of the transaction ids.
    public var wave: Int
    /// The coupon issue instant (µs since 2000-01-01 UTC). Instants before the cut-off count as the cut-off.
    public var issuedAt: Int64
    /// Length of the outcome window from `issuedAt`, in days.
    public var windowDays: Int
    /// The code treated members' redemptions carry.
    public var couponCode: String
    /// Days the coupon stays valid after `issuedAt` (redemptions fall within min(valid, window)).
    public var validDays: Int
    /// A redemption's purchase is at least this much (the coupon's minimum spend), in cents.
    public var minSpendCents: Int64
    /// Probability that a treated member still alive in the BG/NBD sense makes one extra, coupon-induced purchase.
    public var upliftIfAlive: Double
    /// Probability that a treated member who had dropped out comes back for one coupon-induced purchase.
    public var upliftIfDroppedOut: Double
    /// Mean days from issue to a coupon-induced purchase.
    public var meanResponseDays: Double
    /// Probability that a treated member without an induced purchase uses the coupon on their first organic
    /// purchase within its validity (a redemption that causes nothing: subsidy, not sales).
    public var organicRedemptionProbability: Double

    /// Creates a scenario; the defaults are a modest coupon that wakes up a few percent of sleepers.
    public init(
        wave: Int, issuedAt: Int64, windowDays: Int = 30, couponCode: String = "SIMCOUPON", validDays: Int = 14,
        minSpendCents: Int64 = 10_000, upliftIfAlive: Double = 0.10, upliftIfDroppedOut: Double = 0.06,
        meanResponseDays: Double = 5, organicRedemptionProbability: Double = 0.5
    ) {
        self.wave = wave
        self.issuedAt = issuedAt
        self.windowDays = windowDays
        self.couponCode = couponCode
        self.validDays = validDays
        self.minSpendCents = minSpendCents
        self.upliftIfAlive = upliftIfAlive
        self.upliftIfDroppedOut = upliftIfDroppedOut
        self.meanResponseDays = meanResponseDays
        self.organicRedemptionProbability = organicRedemptionProbability
    }

    /// Largest wave number: waves take 10 bits of the transaction id.
    public static let maxWave = 1023

    /// The transaction id of a wave row: bit 62 set (disjoint from history's `memberId << 12 | seq`),
    /// then the wave in bits 52–61, the member in bits 12–51 and the sequence in bits 0–11.
    /// The same organic purchase has the same id in both arms; the coupon-induced purchase uses sequence 4095.
    public static func transactionId(memberId: Int64, wave: Int, sequence: Int) -> Int64 {
        (1 << 62) | (Int64(wave & 0x3FF) << 52) | ((memberId & SimulationConfig.maxMemberId) << 12)
            | Int64(sequence & 0xFFF)
    }
}
