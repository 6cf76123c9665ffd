import ReactivateCore
import ReactivateSimulation
import Testing

@Suite struct DormancyTests {
    @Test func sameDayPurchasesAreOnePurchaseDayAndRefundsAreNone() {
        var table = PurchaseTable(members: 2, preStartDay: 100)
        table.add(member: 0, day: 50, cents: 1_000)
        table.add(member: 1, day: 10, cents: -500)  // interleaved members, as a sequential scan returns them
        table.add(member: 0, day: 50, cents: 500)
        table.add(member: 0, day: 60, cents: -1_000)
        table.add(member: 0, day: 120, cents: 2_000)
        table.add(member: 0, day: 130, cents: -300)
        table.add(member: 1, day: 11, cents: 0)
        #expect(table.purchaseDays == [2, 0])
        #expect(table.firstDay[0] == 50 && table.lastDay[0] == 120)
        #expect(table.grossCents == [3_500, 0])
        #expect(table.preSalesCents[0] == 1_700)
        #expect(table.firstDay[1] == PurchaseTable.none)  // only refunds: never bought
        #expect(table.needsOrderedRefold.isEmpty)
        #expect(PurchaseHistory(firstDay: Int32.min, lastDay: Int32.min, purchaseDays: 0, asOfDay: 100) == nil)
    }

    @Test func outOfOrderPurchasesAreFlaggedAndARefoldInOrderCountsThemExactly() {
        var table = PurchaseTable(members: 1, preStartDay: 0)
        for day: Int32 in [30, 10, 30, 20] { table.add(member: 0, day: day, cents: 100) }
        #expect(table.needsOrderedRefold == [0])
        #expect(table.grossCents[0] == 400 && table.firstDay[0] == 10 && table.lastDay[0] == 30)
        table.reset(member: 0)
        for day: Int32 in [10, 20, 30, 30] { table.add(member: 0, day: day, cents: 100) }
        table.clearRefold()
        #expect(table.purchaseDays[0] == 3 && table.grossCents[0] == 400)
    }

    @Test(arguments: 0..<40)
    func foldingTwoConsecutiveRangesAndAppendingEqualsFoldingTheWholeStream(seed: Int) {
        // Chronological rows of 5 members interleaved, split at every possible point; refunds and
        // same-day purchases straddle the boundary.
        var random = SplitMix64(state: UInt64(seed))
        var rows: [(member: Int, day: Int32, cents: Int64)] = []
        var day: Int32 = 0
        for _ in 0..<30 {
            day += Int32(random.next() % 3)
            let cents = Int64(random.next() % 5) * 100 - 100
            rows.append((Int(random.next() % 5), day, cents))
        }
        var whole = PurchaseTable(members: 5, preStartDay: 20)
        for row in rows { whole.add(member: row.member, day: row.day, cents: row.cents) }
        for split in 0...rows.count {
            var earlier = PurchaseTable(members: 5, preStartDay: 20)
            var later = PurchaseTable(members: 5, preStartDay: 20)
            for row in rows[..<split] { earlier.add(member: row.member, day: row.day, cents: row.cents) }
            for row in rows[split...] { later.add(member: row.member, day: row.day, cents: row.cents) }
            earlier.append(later: later)
            #expect(earlier.purchaseDays == whole.purchaseDays, "split at \(split)")
            #expect(earlier.firstDay == whole.firstDay && earlier.lastDay == whole.lastDay)
            #expect(earlier.grossCents == whole.grossCents && earlier.preSalesCents == whole.preSalesCents)
            #expect(earlier.transactions == whole.transactions && earlier.needsOrderedRefold.isEmpty)
        }
    }

    @Test func appendingARangeWithEarlierPurchasesMarksTheMemberForAnOrderedRefold() {
        var earlier = PurchaseTable(members: 2, preStartDay: 0)
        var later = PurchaseTable(members: 2, preStartDay: 0)
        earlier.add(member: 0, day: 30, cents: 100)
        earlier.add(member: 1, day: 5, cents: 100)
        later.add(member: 0, day: 10, cents: 100)  // earlier than the first range's last day
        later.add(member: 1, day: 5, cents: 100)
        later.add(member: 1, day: 7, cents: 100)
        earlier.append(later: later)
        #expect(earlier.needsOrderedRefold == [0])
        #expect(earlier.firstDay[0] == 10 && earlier.lastDay[0] == 30 && earlier.grossCents[0] == 200)
        #expect(earlier.purchaseDays[1] == 2 && earlier.transactions[1] == 3)
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
