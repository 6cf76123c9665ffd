import ReactivateCore
import Testing
import ReactivateSimulation

@Suite struct SimulationDeterminismTests {
    private func retail(seed: UInt64 = 11, members: Int = 400, stores: Int = 60) throws -> SyntheticRetail {
        try SyntheticRetail(
            config: SimulationConfig(members: members, stores: stores, seed: seed, asOfDay: SimulationFixture.asOfDay))
    }

    private func batch(_ retail: SyntheticRetail, _ ids: [Int64]) -> MemberBatch {
        var batch = MemberBatch()
        for id in ids { retail.member(id, into: &batch) }
        return batch
    }

    @Test func sameSeedGivesIdenticalStoresAndRows() throws {
        let first = try retail()
        let second = try retail()
        #expect(first.stores == second.stores)
        #expect(batch(first, Array(1...400)) == batch(second, Array(1...400)))
    }

    @Test func aMembersRowsDoNotDependOnOrderOrOnOtherMembers() throws {
        let generator = try retail()
        let forward = batch(generator, Array(1...400))
        var shuffler = SeededGenerator(seed: 3)
        var order = Array(Int64(1)...400)
        for index in order.indices.reversed() { order.swapAt(index, shuffler.nextIndex(below: index + 1)) }
        // Scattered chunks into one reused batch, cleared in between.
        var reused = MemberBatch(reservingCapacityFor: 50)
        var collected = MemberBatch()
        for chunk in stride(from: 0, to: order.count, by: 37) {
            reused.removeAll()
            for id in order[chunk..<min(chunk + 37, order.count)] { generator.member(id, into: &reused) }
            collected.members += reused.members
            collected.locations += reused.locations
            collected.channels += reused.channels
            collected.transactions += reused.transactions
            collected.truths += reused.truths
        }
        for id in Int64(1)...400 {
            #expect(collected.members.filter { $0.memberId == id } == forward.members.filter { $0.memberId == id })
            #expect(collected.locations.filter { $0.memberId == id } == forward.locations.filter { $0.memberId == id })
            #expect(collected.channels.filter { $0.memberId == id } == forward.channels.filter { $0.memberId == id })
            #expect(
                collected.transactions.filter { $0.memberId == id } == forward.transactions.filter { $0.memberId == id })
            #expect(collected.truths.filter { $0.memberId == id } == forward.truths.filter { $0.memberId == id })
        }
    }

    @Test func aMembersRowsDoNotDependOnTheSizeOfTheBase() throws {
        let small = try retail(members: 10)
        let large = try retail(members: 1_000_000)
        #expect(batch(small, [3, 7]) == batch(large, [3, 7]))
    }

    @Test func differentSeedsGiveDifferentData() throws {
        let first = try retail(seed: 11)
        let second = try retail(seed: 12)
        #expect(first.stores != second.stores)
        let a = batch(first, Array(1...50))
        let b = batch(second, Array(1...50))
        #expect(a.members != b.members)
        #expect(a.transactions != b.transactions)
        #expect(a.truths.map(\.purchaseRatePerDay) != b.truths.map(\.purchaseRatePerDay))
    }

    @Test func removeAllEmptiesTheBatchForReuse() throws {
        let generator = try retail()
        var reused = MemberBatch()
        generator.member(1, into: &reused)
        #expect(reused.rowCount > 0)
        reused.removeAll()
        #expect(reused.rowCount == 0)
        #expect(reused == MemberBatch())
    }
}
