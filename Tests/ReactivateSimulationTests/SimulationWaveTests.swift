import ReactivateCore
import Testing
import ReactivateSimulation

@Suite struct SimulationWaveTests {
    let fixture: SimulationFixture
    let issuedAt: Int64

    init() throws {
        fixture = try SimulationFixture.shared.get()
        // Issued on D at 10:30 Shanghai time.
        issuedAt = fixture.retail.cutoffInstant + 10 * SimulationTime.microsPerHour + 30 * 60 * SimulationTime.microsPerSecond
    }

    private func scenario(wave: Int = 1, uplift: Double = 0.1, redemption: Double = 0.5, minSpend: Int64 = 10_000)
        -> WaveScenario
    {
        WaveScenario(
            wave: wave, issuedAt: issuedAt, couponCode: "W\(wave)", minSpendCents: minSpend, upliftIfAlive: uplift,
            upliftIfDroppedOut: uplift / 2, organicRedemptionProbability: redemption)
    }

    @Test func outcomesAreDeterministicPerMemberAndWave() {
        let truth = fixture.batch.truths[41]
        let first = fixture.retail.waveOutcome(for: truth, scenario: scenario())
        let second = fixture.retail.waveOutcome(for: truth, scenario: scenario())
        #expect(first == second)
        let waves = fixture.batch.truths.prefix(500).map { truth in
            (fixture.retail.waveOutcome(for: truth, scenario: scenario(wave: 1)).control,
             fixture.retail.waveOutcome(for: truth, scenario: scenario(wave: 2)).control)
        }
        #expect(waves.contains { $0.0.map(\.occurredAt) != $0.1.map(\.occurredAt) })
    }

    @Test func treatedArmIsTheControlArmPlusTheCouponOnly() {
        for truth in fixture.batch.truths.prefix(3_000) {
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: scenario(uplift: 0.3))
            let induced = outcome.treated.filter { $0.txnId & 0xFFF == 4095 }
            #expect(induced.count == (outcome.induced ? 1 : 0))
            var withoutInduced = outcome.treated.filter { $0.txnId & 0xFFF != 4095 }
            for index in withoutInduced.indices { withoutInduced[index].couponCode = nil }
            #expect(withoutInduced == outcome.control)
            #expect(outcome.control.allSatisfy { $0.couponCode == nil })
            #expect(outcome.treated.count(where: { $0.couponCode != nil }) <= 1)
            #expect(induced.allSatisfy { $0.couponCode == "W1" && $0.amountCents >= 10_000 })
        }
    }

    @Test func windowRowsAreInsideTheWindowInShoppingHoursAtOpenStores() {
        let windowEnd = issuedAt + 30 * SimulationTime.microsPerDay
        let stores = fixture.retail.stores
        for truth in fixture.batch.truths.prefix(3_000) {
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: scenario(uplift: 0.3))
            for row in outcome.treated {
                #expect(row.occurredAt >= issuedAt && row.occurredAt < windowEnd)
                let timeOfDay = SimulationTime.shanghaiTimeOfDay(of: row.occurredAt)
                #expect(timeOfDay >= 8 * SimulationTime.microsPerHour && timeOfDay < 22 * SimulationTime.microsPerHour)
                #expect(stores[Int(row.storeId - 1)].isOpen(on: SimulationTime.shanghaiDay(of: row.occurredAt)))
                #expect(row.txnId >> 62 == 1 && (row.txnId >> 12) & SimulationConfig.maxMemberId == truth.memberId)
            }
        }
    }

    @Test func membersWhoDroppedOutBeforeTheCutOffBuyNothingUnlessInduced() {
        let gone = fixture.batch.truths.filter { !$0.aliveAtAsOf }.prefix(2_000)
        #expect(gone.count > 1_000)
        for truth in gone {
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: scenario(uplift: 0.5))
            #expect(outcome.control.isEmpty)
            #expect(!outcome.aliveAtIssue)
            #expect(outcome.treated.count == (outcome.induced ? 1 : 0))
        }
    }

    @Test func noUpliftAndNoRedemptionMeansIdenticalArms() {
        for truth in fixture.batch.truths.prefix(2_000) {
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: scenario(uplift: 0, redemption: 0))
            #expect(outcome.treated == outcome.control)
        }
    }

    @Test func redemptionsWithoutUpliftAddNoSales() {
        var redeemed = 0
        for truth in fixture.batch.truths.prefix(4_000) {
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: scenario(uplift: 0, redemption: 1))
            #expect(outcome.treatedSalesCents == outcome.controlSalesCents)
            redeemed += outcome.treated.count(where: { $0.couponCode != nil })
        }
        #expect(redeemed > 100)
    }

    @Test func alivePurchasingContinuesAtTheLatentRate() {
        // Expected organic purchases in 30 days for members alive at D, ignoring dropout: Σ λ·30 (an upper bound).
        let alive = fixture.batch.truths.filter(\.aliveAtAsOf)
        var purchases = 0
        var bound = 0.0
        for truth in alive {
            purchases += fixture.retail.waveOutcome(for: truth, scenario: scenario()).control.count(where: \.isPurchase)
            bound += truth.purchaseRatePerDay * 30
        }
        let ratio = Double(purchases) / bound
        #expect(ratio > 0.8 && ratio < 1.0, "organic purchases vs no-dropout expectation \(ratio)")
    }

    @Test func averageIncrementalSalesMatchTheConfiguredUplift() {
        // With no minimum spend, an induced purchase is one draw from the member's spend distribution,
        // so E[treated − control] = Σ uplift_i · meanSpend_i.
        var incremental: Int64 = 0
        var expected = 0.0
        for truth in fixture.batch.truths {
            let wave = scenario(uplift: 0.1, redemption: 0, minSpend: 0)
            let outcome = fixture.retail.waveOutcome(for: truth, scenario: wave)
            incremental += outcome.treatedSalesCents - outcome.controlSalesCents
            let uplift = outcome.aliveAtIssue ? wave.upliftIfAlive : wave.upliftIfDroppedOut
            expected += uplift * Double(truth.meanSpendCents)
        }
        let ratio = Double(incremental) / expected
        #expect(ratio > 0.85 && ratio < 1.15, "incremental / expected \(ratio)")
    }

    @Test func waveIdsNeverCollideWithHistoryIds() {
        let id = WaveScenario.transactionId(memberId: SimulationConfig.maxMemberId, wave: WaveScenario.maxWave, sequence: 4095)
        #expect(id > 0 && id >> 62 == 1)
        #expect(fixture.batch.transactions.allSatisfy { $0.txnId >> 62 == 0 })
        #expect(
            WaveScenario.transactionId(memberId: 5, wave: 1, sequence: 0)
                != WaveScenario.transactionId(memberId: 5, wave: 2, sequence: 0))
    }
}
