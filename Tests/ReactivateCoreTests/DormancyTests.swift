import ReactivateCore
import ReactivateSimulation
import Testing

@Suite struct DormancyTests {
    /// Folds rows the way the extract does: each row a record in its slot-range bucket, each bucket
    /// folded on its own (`PurchaseDayBuckets.fold`).
    static func fold(
        _ rows: [(member: Int, day: Int32, cents: Int64)], members: Int, preStartDay: Int32, pairsPerBucket: Int = 1 << 18
    ) -> PurchaseTable {
        let buckets = PurchaseDayBuckets(slots: members, expectedPairs: rows.count, pairsPerBucket: pairsPerBucket)
        var byBucket = Array(repeating: [UInt64](), count: buckets.count)
        for row in rows {
            let record = buckets.record(slot: row.member, day: row.day, cents: row.cents)
            byBucket[buckets.bucket(of: row.member)] += [record.0, record.1]
        }
        var entries = Array(repeating: PurchaseTable.Entry(), count: members)
        var days = Array(repeating: Int32(-1), count: members)
        var scratch = PurchaseDayBuckets.Scratch()
        for bucket in 0..<buckets.count {
            let range = buckets.slotRange(ofBucket: bucket)
            byBucket[bucket].withUnsafeBufferPointer { records in
                entries.withUnsafeMutableBufferPointer { entries in
                    days.withUnsafeMutableBufferPointer { days in
                        PurchaseDayBuckets.fold(
                            records: records, slotCount: range.count, preStartDay: preStartDay,
                            entries: UnsafeMutableBufferPointer(rebasing: entries[range]),
                            days: UnsafeMutableBufferPointer(rebasing: days[range]), scratch: &scratch)
                    }
                }
            }
        }
        return PurchaseTable(entries: entries, purchaseDays: days, preStartDay: preStartDay)
    }

    @Test func sameDayPurchasesAreOnePurchaseDayAndRefundsAreNone() {
        let table = Self.fold(
            [(0, 50, 1_000), (1, 10, -500), (0, 50, 500), (0, 60, -1_000), (0, 120, 2_000), (0, 130, -300), (1, 11, 0)],
            members: 2, preStartDay: 100)
        #expect(table.purchaseDays == [2, 0])
        #expect(table.firstDay[0] == 50 && table.lastDay[0] == 120)
        #expect(table.grossCents == [3_500, 0])
        #expect(table.preSalesCents[0] == 1_700)
        #expect(table.firstDay[1] == PurchaseTable.none)  // only refunds: never bought
        #expect(PurchaseHistory(firstDay: Int32.min, lastDay: Int32.min, purchaseDays: 0, asOfDay: 100) == nil)
    }

    @Test func purchasesInAnyOrderGiveTheSameFactsAsInTimeOrder() {
        let rows: [(member: Int, day: Int32, cents: Int64)] = [(0, 10, 100), (0, 20, 100), (0, 30, 100), (0, 30, 100), (0, 5, -50)]
        let inOrder = Self.fold(rows, members: 1, preStartDay: 0)
        #expect(inOrder.purchaseDays == [3] && inOrder.grossCents == [400] && inOrder.firstDay == [10] && inOrder.lastDay == [30])
        for permutation in rows.everyOrdering {
            let table = Self.fold(permutation, members: 1, preStartDay: 0)
            #expect(table.purchaseDays == inOrder.purchaseDays && table.firstDay == inOrder.firstDay && table.lastDay == inOrder.lastDay)
            #expect(table.grossCents == inOrder.grossCents && table.preSalesCents == inOrder.preSalesCents)
        }
    }

    @Test(arguments: 0..<40)
    func shuffledRowsFoldedInPartsAndMergedCountEveryDistinctDayExactly(seed: Int) {
        // Rows of 37 members in random order, cut into random parts, buckets as small as a few slots:
        // the counts equal a plain set count, whatever the order, the cut or the bucket size.
        var random = SplitMix64(state: UInt64(seed))
        let members = 37
        var rows: [(member: Int, day: Int32, cents: Int64)] = []
        for _ in 0..<(200 + Int(random.next() % 400)) {
            let day = Int32(truncatingIfNeeded: Int64(random.next() % 40) - 20) &* (seed % 3 == 0 ? 100_000_000 : 1)
            rows.append((Int(random.next() % UInt64(members)), day, Int64(random.next() % 5) * 100 - 100))
        }
        var expectedDays = Array(repeating: Set<Int32>(), count: members)
        for row in rows where row.cents > 0 { expectedDays[row.member].insert(row.day) }
        let pairsPerBucket = [1, 7, 50, 1 << 20][seed % 4]
        let whole = Self.fold(rows, members: members, preStartDay: 0, pairsPerBucket: pairsPerBucket)
        #expect(whole.purchaseDays == expectedDays.map { Int32($0.count) })
        #expect(whole.firstDay == expectedDays.map { $0.min() ?? PurchaseTable.none })
        #expect(whole.lastDay == expectedDays.map { $0.max() ?? PurchaseTable.none })
        // The row-at-a-time table, folded in two parts merged in either order, agrees on everything else.
        let cut = Int(random.next() % UInt64(rows.count + 1))
        var earlier = PurchaseTable(members: members, preStartDay: 0)
        var later = PurchaseTable(members: members, preStartDay: 0)
        for row in rows[..<cut] { earlier.add(member: row.member, day: row.day, cents: row.cents) }
        for row in rows[cut...] { later.add(member: row.member, day: row.day, cents: row.cents) }
        var laterFirst = later
        laterFirst.merge(earlier)
        earlier.merge(later)
        #expect(earlier.entries == whole.entries && laterFirst.entries == whole.entries)
    }

    @Test func bucketsCoverEverySlotOnceAndStayFewWhenPairsAreMany() {
        for (slots, pairs) in [(1, 0), (5, 1_000_000_000), (1_000_000, 12_750_000), (8_000_000, 102_000_000), (3, 3)] {
            let buckets = PurchaseDayBuckets(slots: slots, expectedPairs: pairs)
            let covered = (0..<buckets.count).map { buckets.slotRange(ofBucket: $0) }
            #expect(covered.first?.lowerBound == 0 && covered.last?.upperBound == slots)
            #expect(zip(covered, covered.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(buckets.count <= 4_096)
            if slots > 1 { #expect(buckets.bucket(of: slots - 1) == buckets.count - 1) }
        }
        #expect((8...256).contains(PurchaseDayBuckets(slots: 1_000_000, expectedPairs: 12_750_000).count))
    }

    @Test(arguments: [(nil, DormancySegment.neverActivated), (0, .active), (179, .active), (180, .dormant6To12Months),
                      (364, .dormant6To12Months), (365, .dormant12To24Months), (729, .dormant12To24Months), (730, .dormant24MonthsPlus)])
    func segmentsFollowDaysSinceTheLastPurchase(days: Int?, segment: DormancySegment) {
        #expect(DormancySegment.classify(daysSinceLast: days, dormantDays: 180) == segment)
    }

    @Test func aLongerDormancyThresholdStillPutsEveryDormantMemberInADormantSegment() {
        for days in 400..<900 {
            #expect(DormancySegment.classify(daysSinceLast: days, dormantDays: 400).isDormant)
        }
        #expect(!DormancySegment.classify(daysSinceLast: 399, dormantDays: 400).isDormant)
    }

    @Test func bgnbdInputsAreCountedInDays() throws {
        let history = try #require(PurchaseHistory(firstDay: 100, lastDay: 160, purchaseDays: 4, asOfDay: 400))
        #expect(history.frequency == 3 && history.recencyDays == 60 && history.tenureDays == 300 && history.daysSinceLast == 240)
    }

    @Test func calendarDaysFollowTheLocalMidnightIncludingDaylightSavingShifts() {
        // Shanghai: UTC+8 all year.
        let shanghai = BusinessCalendar(firstDay: 9_000, days: 10, utcOffsetSeconds: 8 * 3_600)
        let midnight = shanghai.midnight(of: 9_004) ?? 0
        #expect(shanghai.day(of: midnight) == 9_004)
        #expect(shanghai.day(of: midnight - 1) == 9_003)
        #expect(shanghai.day(of: midnight + 86_400_000_000 - 1) == 9_004)
        // A zone whose offset changes between days (23- and 25-hour days) maps by the table, not the clock.
        let hour: Int64 = 3_600_000_000
        let day: Int64 = 24 * hour
        let midnights: [Int64] = [0, day, 2 * day - hour, 3 * day - hour, 4 * day]
        let shifting = BusinessCalendar(firstDay: 0, midnights: midnights)
        #expect(shifting.day(of: 2 * day - hour) == 2)
        #expect(shifting.day(of: 2 * day - hour - 1) == 1)
        #expect(shifting.day(of: 4 * day - 1) == 3)
        #expect(shifting.day(of: 4 * day + day / 2) == 4)
        #expect(shifting.day(of: -1) == -1)
    }

    @Test(arguments: [
        (nil, nil, nil, ChannelHealth.unavailable), (Int64(5), nil, nil, .healthy), (5, 10, 8, .healthy), (5, 10, 12, .failing),
        (5, nil, 8, .failing), (5, 10, 200, .healthy) /* failure after D is not visible yet */, (150, nil, nil, .unavailable),
    ])
    func channelHealthUsesOnlyWhatWasVisibleBeforeD(verified: Int64?, delivered: Int64?, failed: Int64?, expected: ChannelHealth) {
        #expect(ChannelHealth.judge(verifiedAt: verified, deliveredAt: delivered, failedAt: failed, cutoff: 100) == expected)
    }

    @Test func reachabilityPrefersWeChatAndFreshDeliveriesAndNeedsConsent() {
        let card = Reachability.ChannelObservation(channel: .wechatCard, healthy: true, daysSinceDelivery: 10)
        let sms = Reachability.ChannelObservation(channel: .sms, healthy: true, daysSinceDelivery: 1)
        let all: [MarketingChannel] = [.wechatCard, .wechatOA, .sms, .momentsAd]
        let both = Reachability.assess(consent: true, optedOut: false, channels: [sms, card], allowed: all)
        #expect(both.bestChannel == .wechatCard)
        let stale = Reachability.assess(
            consent: true, optedOut: false,
            channels: [.init(channel: .wechatCard, healthy: true, daysSinceDelivery: 400)], allowed: all)
        #expect(stale.score < both.score)
        #expect(Reachability.assess(consent: false, optedOut: false, channels: [card], allowed: all).reachable == false)
        #expect(Reachability.assess(consent: true, optedOut: true, channels: [card], allowed: all).reachable == false)
        #expect(Reachability.assess(consent: true, optedOut: false, channels: [card], allowed: [.sms]).reachable == false)
        let unhealthy = Reachability.ChannelObservation(channel: .wechatCard, healthy: false, daysSinceDelivery: 1)
        #expect(Reachability.assess(consent: true, optedOut: false, channels: [unhealthy], allowed: all).reachable == false)
    }
}

extension Array {
    /// Every ordering of the elements (small arrays only).
    fileprivate var everyOrdering: [[Element]] {
        guard count > 1 else { return [self] }
        return indices.flatMap { index -> [[Element]] in
            var rest = self
            let element = rest.remove(at: index)
            return rest.everyOrdering.map { [element] + $0 }
        }
    }
}
