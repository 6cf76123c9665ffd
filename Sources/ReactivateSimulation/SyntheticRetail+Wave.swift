import Foundation
import ReactivateCore

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
