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

/// Both potential outcomes of one member in one wave: the transactions in the window if treated and if not.
///
/// The organic purchases (the BG/NBD process continued from the member's state at the cut-off) are the
/// same draws in both arms — common random numbers — so `treated` differs from `control` only by the
/// coupon: one extra induced purchase (with probability `upliftIfAlive` / `upliftIfDroppedOut`) carrying
/// the code, or else, sometimes, the code on an organic purchase that would have happened anyway.
public struct WaveOutcome: Sendable, Equatable {
    /// Transactions in [issuedAt, issuedAt + window) without a coupon, in time order.
    public var control: [TransactionRow]
    /// Transactions in the same window with the coupon, in time order.
    public var treated: [TransactionRow]
    /// Whether the member was alive (BG/NBD) at the issue instant.
    public var aliveAtIssue: Bool
    /// Whether the coupon caused an extra purchase (the treated arm's only source of incremental sales).
    public var induced: Bool

    /// Creates an outcome.
    public init(control: [TransactionRow], treated: [TransactionRow], aliveAtIssue: Bool, induced: Bool) {
        self.control = control
        self.treated = treated
        self.aliveAtIssue = aliveAtIssue
        self.induced = induced
    }

    /// Net sales (purchases minus refunds) in cents, per arm.
    public var controlSalesCents: Int64 { control.reduce(0) { $0 + $1.amountCents } }
    /// Net treated sales in cents.
    public var treatedSalesCents: Int64 { treated.reduce(0) { $0 + $1.amountCents } }
}

extension SyntheticRetail {
    /// Both potential outcomes of `truth`'s member in a wave, deterministic in (seed, member id, wave).
    ///
    /// The member's state at the cut-off comes from the truth row (alive or not, λ, p, spend, store); the
    /// process continues from the cut-off by memorylessness, purchases and refunds as in history. Rows before
    /// `issuedAt` (between the cut-off and a later issue) are not returned. A never-activated member
    /// has no organic purchases, but may still be induced with `upliftIfDroppedOut`.
    public func waveOutcome(for truth: MemberTruthRow, scenario: WaveScenario) -> WaveOutcome {
        precondition((0...WaveScenario.maxWave).contains(scenario.wave), "wave out of range")
        let memberId = truth.memberId
        let key = UInt64(bitPattern: memberId)
        let waveKey = UInt64(scenario.wave) << 8
        let windowStart = max(scenario.issuedAt, cutoffInstant)
        let windowEnd = scenario.issuedAt + Int64(min(max(scenario.windowDays, 0), 36_500)) * SimulationTime.microsPerDay
        let horizon = shoppingTime(atOrAfter: windowEnd) + 1
        let primary = Int(min(max(truth.primaryStoreId, 1), Int64(stores.count))) - 1
        let spend = SpendDraw(mu: truth.spendLogMu, sigma: truth.spendLogSigma)

        // Organic path: shared by both arms.
        var organic = SeededGenerator(seed: config.seed, stream: key, substream: waveKey | Stream.waveOrganic.rawValue)
        var rows: [TransactionRow] = []
        var alive = truth.activated && truth.aliveAtAsOf
        var aliveAtIssue = alive
        let issueT = shoppingTime(atOrAfter: windowStart)
        if alive && truth.purchaseRatePerDay > 0 {
            var t = Double(config.asOfDay)
            while rows.count + 2 <= Self.maxTransactionsPerMember - 1 {
                t += organic.nextExponential(mean: 1 / truth.purchaseRatePerDay)
                guard t < horizon else { break }
                _ = appendPurchase(memberId, primary, t, horizon, spend, &organic, &rows)
                if organic.nextBernoulli(truth.dropoutP) {
                    alive = false
                    if t < issueT { aliveAtIssue = false }
                    break
                }
            }
        }
        rows.sort { $0.occurredAt < $1.occurredAt }
        for index in rows.indices {
            rows[index].txnId = WaveScenario.transactionId(memberId: memberId, wave: scenario.wave, sequence: index)
        }
        let control = rows.filter { $0.occurredAt >= windowStart && $0.occurredAt < windowEnd }

        // Treatment: its own stream, so the organic draws above are untouched.
        var treatment = SeededGenerator(seed: config.seed, stream: key, substream: waveKey | Stream.waveTreatment.rawValue)
        let uplift = aliveAtIssue ? scenario.upliftIfAlive : scenario.upliftIfDroppedOut
        let inducedDraw = treatment.nextUnitInterval()
        let delayDraw = treatment.nextExponential(mean: scenario.meanResponseDays)
        let fallbackDraw = treatment.nextUnitInterval()
        let redeemDraw = treatment.nextUnitInterval()
        let validEnd = min(
            windowEnd, scenario.issuedAt + Int64(min(max(scenario.validDays, 0), 36_500)) * SimulationTime.microsPerDay)
        let validT = shoppingTime(atOrAfter: validEnd)
        var treated = control
        var induced = false
        if inducedDraw < uplift && validT > issueT {
            let span = validT - issueT
            let t = issueT + (delayDraw < span ? delayDraw : fallbackDraw * span)
            let occurredAt = instant(shoppingTime: t)
            if occurredAt >= windowStart && occurredAt < validEnd {
                induced = true
                let store = purchaseStore(primary: primary, day: Int32(t.rounded(.down)), using: &treatment)
                treated.append(
                    TransactionRow(
                        txnId: WaveScenario.transactionId(memberId: memberId, wave: scenario.wave, sequence: 4095),
                        memberId: memberId, storeId: Int64(store + 1), occurredAt: occurredAt,
                        amountCents: max(scenario.minSpendCents, spend.cents(using: &treatment)),
                        couponCode: scenario.couponCode))
                treated.sort { $0.occurredAt < $1.occurredAt }
            }
        }
        if !induced && redeemDraw < scenario.organicRedemptionProbability,
            let first = treated.firstIndex(where: {
                $0.isPurchase && $0.occurredAt < validEnd && $0.amountCents >= scenario.minSpendCents
            })
        {
            treated[first].couponCode = scenario.couponCode
        }
        return WaveOutcome(control: control, treated: treated, aliveAtIssue: aliveAtIssue, induced: induced)
    }
}
