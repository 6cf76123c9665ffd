import Foundation
import Postgres
import ReactivateCore
import ReactivateSimulation
@testable import ReactivatePipeline
import Testing

/// The order-independent pieces of the extract: sharing the scan and folding member facts.
@Suite struct ExtractFoldTests {
    /// Every block from 0 on is read exactly once: the parts, in block order, meet without gap or overlap.
    static func expectCoversEveryBlockOnce(_ parts: [TransactionScanPlan.Blocks]) {
        let parts = parts.sorted { $0.lower < $1.lower }
        #expect(parts.first?.lower == 0)
        for (part, next) in zip(parts, parts.dropFirst()) {
            #expect(part.upper == next.lower, "\(part) then \(next)")
        }
        #expect(parts.last?.upper == nil, "the last part reads to the end, including blocks added since planning")
        #expect(parts.dropLast().allSatisfy { part in part.upper.map { $0 > part.lower } ?? false }, "no empty part")
    }

    @Test func withoutAStealTheFirstSegmentReadsEveryBlockInChunks() {
        var plan = TransactionScanPlan(blocks: 1_000, chunks: 8, minimumChunk: 1)
        var chunks: [TransactionScanPlan.Blocks] = []
        while let blocks = plan.nextChunk(in: TransactionScanPlan.first) { chunks.append(blocks) }
        #expect(chunks.count == 8)
        Self.expectCoversEveryBlockOnce(chunks)
        #expect(plan.steal() == nil)
    }

    @Test(arguments: 0..<9)
    func aStealAfterAnyChunkTakesTheBackHalfOfTheUnreadBlocks(chunksBefore: Int) {
        var plan = TransactionScanPlan(blocks: 1_000, chunks: 8, minimumChunk: 1)
        var first: [TransactionScanPlan.Blocks] = []
        for _ in 0..<chunksBefore { if let blocks = plan.nextChunk(in: TransactionScanPlan.first) { first.append(blocks) } }
        let unclaimed = first.last.map { $0.upper ?? 1_000 } ?? 0
        let stolen = plan.steal()
        var second: [TransactionScanPlan.Blocks] = []
        if let stolen { while let blocks = plan.nextChunk(in: stolen) { second.append(blocks) } }
        while let blocks = plan.nextChunk(in: TransactionScanPlan.first) { first.append(blocks) }
        Self.expectCoversEveryBlockOnce(first + second)
        if 1_000 - unclaimed >= 250 {  // two chunks of 125
            #expect(second.first?.lower == unclaimed + (1_000 - unclaimed) / 2)
        } else {
            #expect(stolen == nil, "less than two chunks left: not worth a second stream")
        }
    }

    @Test(arguments: 0..<50)
    func connectionsStealingFromEachOtherInAnyInterleavingReadEveryBlockOnceInAscendingSegments(seed: Int) {
        var random = SplitMix64(state: UInt64(seed))
        var plan = TransactionScanPlan(blocks: 997, chunks: 64, minimumChunk: 1)
        // Worker 0 starts on the first segment; worker 1 joins after a random number of steps.
        var current: [Int?] = [TransactionScanPlan.first, nil]
        var joined = [true, false]
        var reads: [Int: [TransactionScanPlan.Blocks]] = [:]
        while joined.contains(false) || current.contains(where: { $0 != nil }) {
            let worker = Int(random.next() % 2)
            if !joined[worker] {
                guard random.next() % 8 == 0 else { continue }
                joined[worker] = true
                current[worker] = plan.steal()
                continue
            }
            guard let segment = current[worker] else { continue }
            if let blocks = plan.nextChunk(in: segment) {
                reads[segment, default: []].append(blocks)
            } else {
                current[worker] = plan.steal()
            }
        }
        Self.expectCoversEveryBlockOnce(reads.values.flatMap { $0 })
        #expect(plan.segments.count <= plan.maximumSegments)
        for (segment, chunks) in reads {
            #expect(chunks.first?.lower == plan.segments[segment].lower)
            for (chunk, next) in zip(chunks, chunks.dropFirst()) {
                #expect(chunk.upper == next.lower, "segment \(segment) reads its blocks in order")
            }
        }
    }

    @Test func aTableThatCannotBeSplitIsReadInOneStatement() {
        var plan = TransactionScanPlan(blocks: nil)
        #expect(plan.steal() == nil)
        #expect(plan.nextChunk(in: TransactionScanPlan.first) == .all)
        #expect(plan.nextChunk(in: TransactionScanPlan.first) == nil)
    }

    @Test func blockRangesBecomeTIDConditionsAndTheWholeTableNone() throws {
        let window = ExtractQuery.Window(
            schema: try #require(SQLIdentifier("src")), cutoff: Instant(microseconds: 0), freshLocationsFrom: Instant(microseconds: 0))
        let whole = ExtractQuery.transactions(window).inlined
        #expect(!whole.contains("ctid"))
        let middle = ExtractQuery.transactions(window, blocks: .init(lower: 128, upper: 256)).inlined
        #expect(middle.contains("t.ctid >= '(128,0)'::tid") && middle.contains("t.ctid < '(256,0)'::tid"))
        let tail = ExtractQuery.transactions(window, blocks: .init(lower: 300, upper: nil)).inlined
        #expect(tail.contains("t.ctid >= '(300,0)'::tid") && !tail.contains("t.ctid <"))
        #expect(whole.contains("t.occurred_at < '2000-01-01 00:00:00.000000+00'::timestamptz"))
    }

    /// Folds member rows in the given order into a one-slot table.
    static func fold(members rows: [(joinedAt: Int64, consent: Bool, optedOut: Bool)]) -> (Int32, UInt8, UInt8) {
        var facts = MemberFacts(slots: 1, lookup: SlotLookup(low: 7, count: 1, probe: nil))
        for row in rows {
            facts.addMember(.init(
                joinedAt: row.joinedAt, id: 7, joinedDay: Int32(row.joinedAt), consent: row.consent ? 1 : 0, optedOut: row.optedOut ? 1 : 0))
        }
        let rows = facts.columns()
        return (rows.joinedDay[0], rows.consent[0], rows.optedOut[0])
    }

    @Test func aMemberListedTwiceKeepsItsEarliestRowAndOnATieTheConservativeConsentInAnyOrder() {
        let rows: [(joinedAt: Int64, consent: Bool, optedOut: Bool)] = [(20, true, false), (10, true, false), (10, false, true), (30, false, false)]
        for permutation in rows.permutations {
            let (day, consent, optedOut) = Self.fold(members: permutation)
            #expect(day == 10 && consent == 0 && optedOut == 1)
        }
    }

    @Test func theLatestLocationWinsAndTiesFollowPostgreSQLsOrderWithNaNLast() {
        let rows: [(at: Int64, latitude: Double, longitude: Double)] = [
            (5, 31.0, 121.0), (9, 30.0, 120.0), (9, 30.0, .nan), (9, 29.0, 125.0), (2, 40.0, 116.0),
        ]
        for permutation in rows.permutations {
            var facts = MemberFacts(slots: 1)
            for row in permutation {
                facts.addLocation(id: 0, observedAt: row.at, day: Int32(row.at), latitude: row.latitude, longitude: row.longitude)
            }
            // ORDER BY observed_at, latitude, longitude puts (9, 30.0, NaN) last.
            let rows = facts.columns()
            #expect(rows.locationDay[0] == 9 && rows.latitude[0] == 30.0 && rows.longitude[0].isNaN)
        }
        #expect(MemberFacts.ordersAfter((.nan, 0), (90, 180)))
        #expect(!MemberFacts.ordersAfter((1, 2), (1, 2)))
        #expect(MemberFacts.ordersAfter((1, 3), (1, 2)) && !MemberFacts.ordersAfter((0, 9), (1, 2)))
    }

    @Test func gatheringDropsSlotsWithoutAMemberAndCountsTheirTransactionsApart() {
        var facts = MemberFacts(slots: 4, lookup: SlotLookup(low: 10, count: 4, probe: nil))
        facts.addMember(.init(joinedAt: 0, id: 11, joinedDay: 0, consent: 1, optedOut: 0))
        facts.addMember(.init(joinedAt: 0, id: 13, joinedDay: 0, consent: 0, optedOut: 0))
        var purchases = PurchaseTable(members: 4, preStartDay: 0)
        purchases.add(member: 1, day: 5, cents: 100)
        purchases.add(member: 2, day: 5, cents: 100)  // id 12 is not a member
        purchases.add(member: 2, day: 6, cents: 100)
        purchases.add(member: 3, day: 7, cents: 300)
        purchases.setPurchaseDays([0, 1, 2, 1])
        let (members, nonMembers) = facts.gathered(with: purchases)
        #expect(members.memberId == [11, 13] && members.grossCents == [100, 300] && nonMembers == 2)
        #expect(members.consent == [1, 0])
    }
}

extension Array {
    /// Every ordering of the elements (small arrays only).
    var permutations: [[Element]] {
        guard count > 1 else { return [self] }
        return indices.flatMap { index -> [[Element]] in
            var rest = self
            let element = rest.remove(at: index)
            return rest.permutations.map { [element] + $0 }
        }
    }
}
