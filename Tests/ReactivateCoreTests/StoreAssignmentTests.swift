import Foundation
import ReactivateCore
import Testing

@Suite struct StoreAssignmentTests {
    typealias Candidate = StoreAssignment.Candidate

    static func hit(_ store: Int64, _ meters: Double) -> StoreHit {
        StoreHit(storeId: store, distanceMeters: meters)
    }

    /// Realistic candidates: members scattered around 40 stores in one city, hits from a real index.
    static func cityCandidates(seed: UInt64, count: Int) -> [Candidate] {
        var random = GeoTestRandom(seed: seed)
        let center = GeoPoint(latitude: 30.27, longitude: 120.16)
        let stores = (1...40).map { (id: Int64($0), location: random.point(near: center, withinDegrees: 0.08)) }
        let index = StoreIndex(stores: stores)
        return (0..<count).map { number in
            let member = random.point(near: center, withinDegrees: 0.1)
            return Candidate(
                memberId: Int64(number * 13 % 100_000), priority: Double(random.next() % 50),
                hits: index.stores(within: 3_000, of: member))
        }
    }

    @Test func withoutAQuotaEveryoneGoesToTheNearestStore() {
        let candidates = Self.cityCandidates(seed: 1, count: 3_000)
        let result = StoreAssignment(maxPerStore: nil).assign(candidates)
        let placed = Dictionary(uniqueKeysWithValues: result.assigned.map { ($0.memberId, $0) })
        for candidate in candidates {
            if let nearest = candidate.hits.first {
                #expect(placed[candidate.memberId]?.storeId == nearest.storeId)
                #expect(placed[candidate.memberId]?.storeRank == 0)
                #expect(placed[candidate.memberId]?.distanceMeters == nearest.distanceMeters)
            } else {
                #expect(placed[candidate.memberId] == nil)
            }
        }
        #expect(result.unassigned.allSatisfy { $0.reason == .noStoreInRadius })
        #expect(result.assigned.count + result.unassigned.count == candidates.count)
    }

    @Test(arguments: [1, 5, 40])
    func quotasAreNeverExceededAndOverflowGoesToTheNearestStoreWithRoom(quota: Int) {
        let candidates = Self.cityCandidates(seed: 2, count: 3_000)
        let result = StoreAssignment(maxPerStore: quota).assign(candidates)
        #expect(result.countByStore.values.allSatisfy { $0 <= quota })
        let byMember = Dictionary(uniqueKeysWithValues: candidates.map { ($0.memberId, $0) })
        // Replay in output order: at each member's turn, every nearer store must already have been full.
        var load: [Int64: Int] = [:]
        var order = result.assigned.map { (memberId: $0.memberId, storeId: Optional($0.storeId), rank: $0.storeRank) }
        order += result.unassigned.filter { $0.reason == .quotaExhausted }
            .map { (memberId: $0.memberId, storeId: nil, rank: Int.max) }
        let priority = { (id: Int64) in byMember[id]?.priority ?? -1 }
        order.sort { priority($0.memberId) != priority($1.memberId)
            ? priority($0.memberId) > priority($1.memberId) : $0.memberId < $1.memberId }
        for entry in order {
            let hits = byMember[entry.memberId]?.hits ?? []
            for hit in hits.prefix(min(entry.rank, hits.count)) {
                #expect(load[hit.storeId, default: 0] == quota, "member \(entry.memberId) skipped a store with room")
            }
            if let storeId = entry.storeId {
                #expect(hits[entry.rank].storeId == storeId)
                load[storeId, default: 0] += 1
            }
        }
        #expect(load == result.countByStore)
        #expect(result.assigned.contains { $0.storeRank > 0 } || quota == 40)
    }

    @Test func higherPriorityWinsTheNearestStoreAndTiesGoToTheSmallerMemberId() {
        let candidates = [
            Candidate(memberId: 30, priority: 1, hits: [Self.hit(1, 100), Self.hit(2, 900)]),
            Candidate(memberId: 20, priority: 5, hits: [Self.hit(1, 400), Self.hit(2, 500)]),
            Candidate(memberId: 10, priority: 1, hits: [Self.hit(1, 300), Self.hit(2, 800)]),
            Candidate(memberId: 40, priority: 1, hits: [Self.hit(1, 50)]),
        ]
        let result = StoreAssignment(maxPerStore: 1).assign(candidates)
        #expect(
            result.assigned == [
                .init(memberId: 20, storeId: 1, distanceMeters: 400, storeRank: 0),
                .init(memberId: 10, storeId: 2, distanceMeters: 800, storeRank: 1),
            ])
        #expect(result.unassigned == [.init(memberId: 30, reason: .quotaExhausted), .init(memberId: 40, reason: .quotaExhausted)])
        #expect(result.countByStore == [1: 1, 2: 1])
    }

    @Test func resultIsIdenticalForShuffledInput() {
        var candidates = Self.cityCandidates(seed: 3, count: 2_000)
        let reference = StoreAssignment(maxPerStore: 7).assign(candidates)
        var random = GeoTestRandom(seed: 4)
        for _ in 0..<5 {
            candidates.shuffle(using: &random)
            let again = StoreAssignment(maxPerStore: 7).assign(candidates)
            #expect(again.assigned == reference.assigned)
            #expect(again.unassigned == reference.unassigned)
            #expect(again.countByStore == reference.countByStore)
        }
    }

    @Test func edgeCasesAreReportedWithTheirReason() {
        let candidates = [
            Candidate(memberId: 1, priority: .nan, hits: [Self.hit(9, 10)]),
            Candidate(memberId: 2, priority: 0, hits: []),
            Candidate(memberId: 3, priority: -5, hits: [Self.hit(9, 20)]),
            Candidate(memberId: 3, priority: 7, hits: [Self.hit(8, 20)]),
        ]
        let result = StoreAssignment(maxPerStore: nil).assign(candidates)
        #expect(result.assigned.map(\.memberId) == [3, 1])  // NaN priority is served last
        #expect(result.assigned.first?.storeId == 8)  // the higher-priority duplicate row is used
        #expect(result.unassigned == [.init(memberId: 2, reason: .noStoreInRadius), .init(memberId: 3, reason: .duplicateMember)])
        #expect(StoreAssignment.UnassignedReason.allCases.map(\.name) == ["quota_exhausted", "no_store_in_radius", "duplicate_member"])
    }

    @Test func aZeroQuotaPlacesNobody() {
        let result = StoreAssignment(maxPerStore: 0).assign([Candidate(memberId: 1, priority: 1, hits: [Self.hit(1, 1)])])
        #expect(result.assigned.isEmpty)
        #expect(result.unassigned.map(\.reason) == [.quotaExhausted])
    }

    @Test func unsortedHitsAreRankedFromTheNearest() {
        let candidate = Candidate(memberId: 1, priority: 1, hits: [Self.hit(5, 900), Self.hit(6, 100), Self.hit(4, 100)])
        let result = StoreAssignment(maxPerStore: nil).assign([candidate])
        #expect(result.assigned == [.init(memberId: 1, storeId: 4, distanceMeters: 100, storeRank: 0)])
    }
}
