import ReactivateCore
@testable import ReactivatePipeline
import Testing

/// The scan threads' reference-free copies of the slot mapping and the calendar give the same answers
/// as the types they copy.
@Suite struct ExtractRowPathTests {
    @Test func scatteredIdsInAnyOrderWithRepeatsGetTheSlotOfTheirRankAmongTheDistinctIds() {
        let distinct: [Int64] = (0..<5_000).map { 10_000_000_000 + Int64($0) * 9_973 + Int64(($0 * 7_919) % 4_096) }
        var generator = SystemRandomNumberGenerator()
        let unordered = (distinct + distinct.prefix(700)).shuffled(using: &generator)
        let slots = MemberSlots.index(unordered: unordered)
        #expect(slots.count == distinct.count)
        for (rank, id) in distinct.enumerated() {
            #expect(slots.slot(of: id) == rank)
            #expect(slots.lookup.slot(of: id) == rank)
            #expect(slots.id(ofSlot: rank) == id)
        }
        #expect(slots.slot(of: distinct[0] - 1) == nil)
        #expect(slots.slot(of: distinct[10] + 1) == nil)
        #expect(slots.slot(of: 3) == nil)
    }

    /// Evenly spread ids, ids in two far-apart clusters (many bucket boundaries in one cell, and one
    /// wide bucket across the gap), and ids next to one another: every member's record lands in the
    /// bucket of its slot and resolves to that slot; ids in range that are not members are dropped
    /// (in a wide bucket, not routed), ids out of range are not routed at all.
    @Test(arguments: ["spread", "clustered", "dense"])
    func routedRecordsResolveToTheSlotOfTheirIdOrAreDroppedWhenNotAMember(_ shape: String) throws {
        var generator = SystemRandomNumberGenerator()
        var ids: Set<Int64> = []
        while ids.count < 20_000 {
            switch shape {
            case "spread": ids.insert(10_000_000_000 + Int64.random(in: 0..<20_000_000_000, using: &generator))
            case "clustered": ids.insert(Bool.random(using: &generator) ? Int64.random(in: 0..<40_000, using: &generator) : 4_000_000_000_000 + Int64.random(in: 0..<30_000, using: &generator))
            default: ids.insert(Int64(ids.count) * 2)
            }
        }
        let sorted = ids.sorted()
        let slots = MemberSlots.index(ascending: sorted)
        let shift = 9
        let router = try #require(slots.idBuckets(shift: shift))
        let buckets = (sorted.count - 1) >> shift + 1
        var records = Array(repeating: [UInt64](), count: buckets)
        var expected = Array(repeating: [Int](), count: buckets)
        var strangers = Array(repeating: 0, count: buckets)
        for (rank, id) in sorted.enumerated() {
            let located = try #require(router.route.locate(id))
            #expect(located.bucket == rank >> shift, "id \(id)")
            if router.isWide(located.bucket) { #expect(located.offset == UInt64(rank & ((1 << shift) - 1))) }
            records[located.bucket] += [located.offset << 32 | UInt64(rank & 0xFFFF), UInt64(rank)]
            expected[located.bucket].append(rank)
            // Its neighbour, when not a member, is routed to a bucket but dropped there.
            if !ids.contains(id + 1), id + 1 < sorted.last!, let neighbour = router.route.locate(id + 1) {
                #expect(!router.isWide(neighbour.bucket))
                records[neighbour.bucket] += [neighbour.offset << 32, 0]
                strangers[neighbour.bucket] += 1
            }
        }
        #expect(router.route.locate(sorted[0] - 1) == nil)
        #expect(router.route.locate(sorted.last! + 1) == nil)
        #expect((0..<buckets).contains { router.isWide($0) } == (shape == "clustered"))
        var scratch: [UInt64] = []
        for bucket in 0..<buckets where !router.isWide(bucket) {
            var words = records[bucket]
            let range = (bucket << shift)..<min((bucket + 1) << shift, sorted.count)
            let (kept, dropped) = words.withUnsafeMutableBufferPointer { words in
                slots.withIds(ofSlots: range) { MemberIdBuckets.resolve(words.baseAddress!, records: words.count / 2, bucketIds: $0, scratch: &scratch) }
            }
            #expect(dropped == strangers[bucket])
            #expect(kept == expected[bucket].count)
            // The resolved slot within the bucket, and the record's day bits and cents carried along.
            let resolved = (0..<kept).map { Int(words[2 * $0] >> 32) + range.lowerBound }
            #expect(resolved == (0..<kept).map { Int(words[2 * $0 + 1]) })
            #expect((0..<kept).allSatisfy { words[2 * $0] & 0xFFFF_FFFF == words[2 * $0 + 1] & 0xFFFF })
        }
    }

    @Test func idsTooFarApartForAWordAreLookedUpPerRowInEveryBucket() throws {
        let ids: [Int64] = (0..<1_000).map { Int64($0) << 40 }
        let router = try #require(MemberSlots.index(ascending: ids).idBuckets(shift: 4))
        #expect((0..<63).allSatisfy { router.isWide($0) })
        for (rank, id) in ids.enumerated() {
            let located = try #require(router.route.locate(id))
            #expect(located.bucket == rank >> 4 && located.offset == UInt64(rank & 15))
            #expect(router.route.locate(id + 1) == nil)
        }
        #expect(MemberSlots.range(low: 1, high: 1_000, members: 1_000)?.idBuckets(shift: 4) == nil)
    }

    @Test func theDayTableMapsEveryInstantToTheCalendarsDayInsideAndOutsideItsMidnights() {
        // Midnights one hour apart in offset twice (a DST-like shift), then instants from before the
        // first midnight to after the last, around every boundary.
        let hour: Int64 = 3_600_000_000, day: Int64 = 86_400_000_000
        let midnights = (0..<40).map { Int64(9_000 + $0) * day - ($0 >= 12 && $0 < 30 ? 2 : 1) * hour }
        let calendar = BusinessCalendar(firstDay: 9_000, midnights: midnights)
        let table = ExtractDayTable(calendar)
        defer { table.deallocate() }
        var instants: [Int64] = [midnights[0] - 3 * day - 1, midnights[0] - day, midnights.last! + 5 * day + 7]
        for midnight in midnights { instants += [midnight - 1, midnight, midnight + 1, midnight + hour, midnight + 23 * hour] }
        for instant in instants {
            #expect(table.day(of: instant) == calendar.day(of: instant), "instant \(instant)")
        }
    }
}
