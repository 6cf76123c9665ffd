import Foundation
import ReactivateCore
import Testing
import ReactivateSimulation

/// The shared 20,000-member base looks like the hypermarket case and obeys the source tables' rules.
@Suite struct SimulationPlausibilityTests {
    let fixture: SimulationFixture
    let cutoff: Int64
    let asOf = SimulationFixture.asOfDay

    init() throws {
        fixture = try SimulationFixture.shared.get()
        cutoff = fixture.retail.cutoffInstant
    }

    /// Last purchase day per member who bought (amount > 0) before the cut-off.
    private func lastPurchaseDays() -> [Int64: Int32] {
        var last: [Int64: Int32] = [:]
        for row in fixture.batch.transactions where row.isPurchase {
            let day = SimulationTime.shanghaiDay(of: row.occurredAt)
            last[row.memberId] = max(last[row.memberId] ?? day, day)
        }
        return last
    }

    @Test func everyMemberHasExactlyOneMemberRowAndOneTruthRow() {
        #expect(fixture.batch.members.map(\.memberId) == Array(1...Int64(SimulationFixture.memberCount)))
        #expect(fixture.batch.truths.map(\.memberId) == Array(1...Int64(SimulationFixture.memberCount)))
    }

    @Test func between30And45PercentOfBuyersAreDormantOnTheAsOfDate() {
        let last = lastPurchaseDays()
        let dormant = last.values.count(where: { asOf - $0 >= 180 })
        let share = Double(dormant) / Double(last.count)
        #expect(share >= 0.30 && share <= 0.45, "dormant share among buyers \(share)")
    }

    @Test func between10And15PercentOfMembersNeverBought() {
        let buyers = lastPurchaseDays().count
        let share = 1 - Double(buyers) / Double(SimulationFixture.memberCount)
        #expect(share >= 0.10 && share <= 0.15, "never-buyer share \(share)")
    }

    @Test func membersAverageBetween8And18Transactions() {
        let mean = Double(fixture.batch.transactions.count) / Double(SimulationFixture.memberCount)
        #expect(mean >= 8 && mean <= 18, "transactions per member \(mean)")
    }

    @Test func about70PercentOfMembersGaveMarketingConsent() {
        let share = Double(fixture.batch.members.count(where: \.marketingConsent)) / Double(SimulationFixture.memberCount)
        #expect(share >= 0.65 && share <= 0.75, "consent share \(share)")
    }

    @Test func aFewPercentOptedOutAndSomeOfThoseOnlyAfterTheCutOff() {
        let optedOut = fixture.batch.members.compactMap { member in member.optedOutAt.map { (member, $0) } }
        let share = Double(optedOut.count) / Double(SimulationFixture.memberCount)
        #expect(share >= 0.02 && share <= 0.07, "opted-out share \(share)")
        let after = optedOut.filter { $0.1 >= cutoff }
        #expect(!after.isEmpty)
        #expect(after.allSatisfy { $0.0.marketingConsent && $0.1 < cutoff + 60 * SimulationTime.microsPerDay })
        #expect(optedOut.allSatisfy { $0.1 >= $0.0.joinedAt })
    }

    @Test func aFewPercentOfTransactionsAreRefundsOfAnEarlierPurchase() throws {
        let transactions = fixture.batch.transactions
        let refunds = transactions.filter { !$0.isPurchase }
        let share = Double(refunds.count) / Double(transactions.count)
        #expect(share >= 0.01 && share <= 0.06, "refund share \(share)")
        #expect(refunds.allSatisfy { $0.amountCents < 0 })
        var byMember: [Int64: [TransactionRow]] = [:]
        for row in transactions { byMember[row.memberId, default: []].append(row) }
        for refund in refunds.prefix(2_000) {
            let history = try #require(byMember[refund.memberId])
            let matched = history.contains { purchase in
                purchase.isPurchase && purchase.storeId == refund.storeId && purchase.amountCents >= -refund.amountCents
                    && purchase.occurredAt < refund.occurredAt
                    && refund.occurredAt - purchase.occurredAt <= 15 * SimulationTime.microsPerDay
            }
            #expect(matched, "refund \(refund.txnId) has no purchase it could return")
        }
    }

    @Test func nothingHappensAtOrAfterTheCutOffExceptLateOptOuts() {
        let batch = fixture.batch
        #expect(batch.members.allSatisfy { $0.joinedAt < cutoff })
        #expect(batch.transactions.allSatisfy { $0.occurredAt < cutoff })
        #expect(batch.locations.allSatisfy { $0.observedAt < cutoff })
        #expect(
            batch.channels.allSatisfy { row in
                [row.verifiedAt, row.lastDeliveredAt, row.lastFailedAt].allSatisfy { ($0 ?? Int64.min) < cutoff }
            })
        #expect(
            batch.truths.allSatisfy { truth in
                [truth.firstPurchaseAt, truth.lastPurchaseAt, truth.dropoutAt].allSatisfy { ($0 ?? Int64.min) < cutoff }
            })
    }

    @Test func historyCoversTheFourYearsBeforeTheAsOfDateWithMoreRecentJoiners() {
        let joinDays = fixture.batch.members.map { SimulationTime.shanghaiDay(of: $0.joinedAt) }
        #expect(joinDays.allSatisfy { $0 >= asOf - 1_462 && $0 < asOf })
        let olderHalf = joinDays.count(where: { $0 < asOf - 730 })
        let newerHalf = joinDays.count - olderHalf
        // Density 1 + u on [0, 1): the newer half holds 5/8 of joins.
        let newerShare = Double(newerHalf) / Double(joinDays.count)
        #expect(newerShare > 0.58 && newerShare < 0.67, "newer-half share \(newerShare)")
    }

    @Test func purchasesHappenInShoppingHoursAndAfterJoining() {
        let joinedAt = Dictionary(uniqueKeysWithValues: fixture.batch.members.map { ($0.memberId, $0.joinedAt) })
        for row in fixture.batch.transactions {
            let timeOfDay = SimulationTime.shanghaiTimeOfDay(of: row.occurredAt)
            #expect(timeOfDay >= 8 * SimulationTime.microsPerHour && timeOfDay < 22 * SimulationTime.microsPerHour)
            #expect(row.occurredAt >= joinedAt[row.memberId] ?? Int64.max)
        }
    }

    @Test func severalPurchasesOnOneDayArePossibleButRare() {
        var days = Set<[Int64]>()
        var repeats = 0
        let purchases = fixture.batch.transactions.filter(\.isPurchase)
        for row in purchases {
            let key = [row.memberId, Int64(SimulationTime.shanghaiDay(of: row.occurredAt))]
            if !days.insert(key).inserted { repeats += 1 }
        }
        let share = Double(repeats) / Double(purchases.count)
        #expect(repeats > 0 && share < 0.05, "same-day repeat share \(share)")
    }

    @Test func transactionIdsAreUniqueAndEncodeMemberAndSequenceInTimeOrder() {
        let ids = fixture.batch.transactions.map(\.txnId)
        #expect(Set(ids).count == ids.count)
        var previous: TransactionRow?
        var sequence: Int64 = 0
        for row in fixture.batch.transactions {
            if let before = previous, before.memberId == row.memberId {
                sequence += 1
                #expect(before.occurredAt <= row.occurredAt)
            } else {
                sequence = 0
            }
            #expect(row.txnId == row.memberId << 12 | sequence)
            previous = row
        }
    }

    @Test func everyReferencedStoreExistsAndIsOpenWhenUsed() {
        let stores = fixture.retail.stores
        func store(_ id: Int64) -> StoreRow? { id >= 1 && id <= Int64(stores.count) ? stores[Int(id - 1)] : nil }
        for row in fixture.batch.transactions {
            let day = SimulationTime.shanghaiDay(of: row.occurredAt)
            #expect(store(row.storeId)?.isOpen(on: day) == true, "txn \(row.txnId) at store \(row.storeId) on \(day)")
        }
        var openAtJoin = 0
        var withHome = 0
        for member in fixture.batch.members {
            guard let home = member.homeStoreId else { continue }
            withHome += 1
            #expect(store(home) != nil)
            if store(home)?.isOpen(on: SimulationTime.shanghaiDay(of: member.joinedAt)) == true { openAtJoin += 1 }
        }
        let nullShare = 1 - Double(withHome) / Double(SimulationFixture.memberCount)
        #expect(nullShare > 0.005 && nullShare < 0.04, "NULL home store share \(nullShare)")
        #expect(Double(openAtJoin) / Double(withHome) > 0.97)
        #expect(fixture.batch.truths.allSatisfy { store($0.primaryStoreId) != nil })
    }

    @Test func mostPurchasesAreInTheHomeStoreAndTheRestInTheSameCity() {
        let stores = fixture.retail.stores
        let primary = Dictionary(uniqueKeysWithValues: fixture.batch.truths.map { ($0.memberId, $0.primaryStoreId) })
        let purchases = fixture.batch.transactions.filter(\.isPurchase)
        let atHome = purchases.count(where: { $0.storeId == primary[$0.memberId] })
        let share = Double(atHome) / Double(purchases.count)
        #expect(share > 0.75 && share < 0.95, "home-store share \(share)")
        // Another store of the same city lies within ~100 km of the home store.
        for row in purchases.prefix(20_000) {
            guard let home = primary[row.memberId] else { continue }
            let a = stores[Int(home - 1)]
            let b = stores[Int(row.storeId - 1)]
            #expect(abs(a.latitude - b.latitude) < 1 && abs(a.longitude - b.longitude) < 1)
        }
    }

    @Test func coordinatesAreValidChineseLocationsExceptRarePlaceholders() {
        let locations = fixture.batch.locations
        let placeholders = locations.count(where: \.isPlaceholder)
        let share = Double(placeholders) / Double(locations.count)
        #expect(placeholders > 0 && share < 0.01, "placeholder share \(share)")
        for row in locations where !row.isPlaceholder {
            #expect(row.latitude > 18 && row.latitude < 54 && row.longitude > 73 && row.longitude < 135)
        }
        for store in fixture.retail.stores {
            #expect(store.latitude > 18 && store.latitude < 54 && store.longitude > 73 && store.longitude < 135)
        }
    }

    @Test func membersHaveZeroToFiveLocationsMostlyNearTheirStoreAndSomeStale() {
        let stores = fixture.retail.stores
        var perMember: [Int64: Int] = [:]
        for row in fixture.batch.locations { perMember[row.memberId, default: 0] += 1 }
        #expect(perMember.values.allSatisfy { (1...5).contains($0) })
        let withNone = SimulationFixture.memberCount - perMember.count
        #expect(withNone > 0)
        let primary = Dictionary(uniqueKeysWithValues: fixture.batch.truths.map { ($0.memberId, $0.primaryStoreId) })
        let near = fixture.batch.locations.count(where: { row in
            guard let id = primary[row.memberId] else { return false }
            return distanceKm(row, stores[Int(id - 1)]) < 5
        })
        let nearShare = Double(near) / Double(fixture.batch.locations.count)
        #expect(nearShare > 0.7 && nearShare < 0.95, "share within 5 km of own store \(nearShare)")
        let stale = fixture.batch.locations.count(where: { cutoff - $0.observedAt > 90 * SimulationTime.microsPerDay })
        let staleShare = Double(stale) / Double(fixture.batch.locations.count)
        #expect(staleShare > 0.2 && staleShare < 0.7, "stale share \(staleShare)")
        let sources = Set(fixture.batch.locations.map(\.source))
        #expect(sources == Set(MemberLocationRow.Source.allCases))
    }

    @Test func membersWhoMovedHaveTheirLatestLocationFarAway() {
        let stores = fixture.retail.stores
        var latest: [Int64: MemberLocationRow] = [:]
        for row in fixture.batch.locations where (latest[row.memberId]?.observedAt ?? Int64.min) <= row.observedAt {
            latest[row.memberId] = row
        }
        let moved = fixture.batch.truths.filter(\.movedAway)
        #expect(moved.count > 100)
        for truth in moved {
            guard let row = latest[truth.memberId] else {
                Issue.record("moved member \(truth.memberId) has no location")
                continue
            }
            #expect(distanceKm(row, stores[Int(truth.primaryStoreId - 1)]) > 20)
        }
    }

    @Test func channelsAreUniquePerMemberAndAShareIsUnhealthy() {
        let channels = fixture.batch.channels
        let keys = channels.map { "\($0.memberId)/\($0.channel.rawValue)" }
        #expect(Set(keys).count == keys.count)
        #expect(Set(channels.map(\.channel)) == Set(MemberChannelRow.Channel.allCases))
        let verified = channels.filter { $0.verifiedAt != nil }
        let verifiedShare = Double(verified.count) / Double(channels.count)
        #expect(verifiedShare > 0.8 && verifiedShare < 0.9)
        let unhealthy = verified.count(where: { !$0.isHealthy })
        let unhealthyShare = Double(unhealthy) / Double(verified.count)
        #expect(unhealthyShare > 0.05 && unhealthyShare < 0.25, "unhealthy share \(unhealthyShare)")
        let wechatOA = channels.count(where: { $0.channel == .wechatOA })
        #expect(Double(wechatOA) / Double(SimulationFixture.memberCount) > 0.75)
        let joinedAt = Dictionary(uniqueKeysWithValues: fixture.batch.members.map { ($0.memberId, $0.joinedAt) })
        #expect(channels.allSatisfy { ($0.verifiedAt ?? Int64.max) >= joinedAt[$0.memberId] ?? 0 })
        #expect(
            channels.allSatisfy { row in
                guard let verifiedAt = row.verifiedAt, let delivered = row.lastDeliveredAt else { return true }
                return delivered >= verifiedAt
            })
    }

    @Test func truthAgreesWithTheGeneratedTransactions() {
        var purchases: [Int64: [TransactionRow]] = [:]
        for row in fixture.batch.transactions where row.isPurchase { purchases[row.memberId, default: []].append(row) }
        for truth in fixture.batch.truths {
            let rows = purchases[truth.memberId] ?? []
            #expect(Int(truth.purchaseCount) == rows.count)
            #expect(truth.firstPurchaseAt == rows.first?.occurredAt)
            #expect(truth.lastPurchaseAt == rows.last?.occurredAt)
            #expect(truth.purchaseRatePerDay > 0 && truth.dropoutP >= 0 && truth.dropoutP <= 1)
            if let dropoutAt = truth.dropoutAt {
                #expect(!truth.aliveAtAsOf && dropoutAt == truth.lastPurchaseAt)
            } else {
                #expect(truth.aliveAtAsOf == truth.activated)
            }
            if !truth.activated { #expect(rows.isEmpty) }
        }
    }

    @Test func latentParametersFollowTheConfiguredGammaAndBeta() {
        let purchases = fixture.retail.config.purchases
        let (lambdaMean, lambdaVariance) = SimulationFixture.meanAndVariance(fixture.batch.truths.map(\.purchaseRatePerDay))
        #expect(abs(lambdaMean / (purchases.r / purchases.alpha) - 1) < 0.03)
        #expect(abs(lambdaVariance / (purchases.r / (purchases.alpha * purchases.alpha)) - 1) < 0.1)
        let (pMean, _) = SimulationFixture.meanAndVariance(fixture.batch.truths.map(\.dropoutP))
        #expect(abs(pMean / (purchases.a / (purchases.a + purchases.b)) - 1) < 0.05)
        let activated = fixture.batch.truths.count(where: \.activated)
        #expect(abs(Double(activated) / Double(SimulationFixture.memberCount) - purchases.activationProbability) < 0.015)
    }

    @Test func spendIsLogNormalAroundEachMembersMeanWithAHeavyTailAcrossMembers() {
        let truths = Dictionary(uniqueKeysWithValues: fixture.batch.truths.map { ($0.memberId, $0) })
        let purchases = fixture.batch.transactions.filter(\.isPurchase)
        // Standardised log amounts pooled over members: ~ N(0, 1).
        let z = purchases.compactMap { row -> Double? in
            guard let truth = truths[row.memberId] else { return nil }
            return (log(Double(row.amountCents)) - truth.spendLogMu) / truth.spendLogSigma
        }
        let (mean, variance) = SimulationFixture.meanAndVariance(z)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03)
        let memberMeans = fixture.batch.truths.map { Double($0.meanSpendCents) }.sorted()
        let median = memberMeans[memberMeans.count / 2]
        #expect(median > 13_500 && median < 16_500, "median member mean spend \(median)")
        let p99 = memberMeans[memberMeans.count * 99 / 100]
        #expect(p99 > 4 * median)
    }

    private func distanceKm(_ location: MemberLocationRow, _ store: StoreRow) -> Double {
        let north = (location.latitude - store.latitude) * 111.32
        let east = (location.longitude - store.longitude) * 111.32 * cos(store.latitude * Double.pi / 180)
        return (north * north + east * east).squareRoot()
    }
}
