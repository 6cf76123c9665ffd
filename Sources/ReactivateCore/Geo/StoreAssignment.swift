/// Assigns each in-radius member to one store, honouring an optional per-store quota.
///
/// SPEC: a member goes to the nearest open store; when that store's quota is full the member overflows to
/// the next nearest store in radius. Who gets the scarce places is decided by priority (higher first,
/// e.g. the dormancy score), ties by the smaller member id, so the result is a pure function of the
/// candidate set — never of the order rows arrived from the database.
public struct StoreAssignment: Sendable {
    /// One member to place: the stores in radius, as returned by ``StoreIndex/stores(within:of:)``.
    public struct Candidate: Sendable, Hashable {
        public var memberId: Int64
        /// Higher is served first. NaN sorts after every number (served last).
        public var priority: Double
        /// Stores in radius. Expected nearest first; re-sorted into the canonical order if not, so ranks
        /// always count from the nearest.
        public var hits: [StoreHit]

        public init(memberId: Int64, priority: Double, hits: [StoreHit]) {
            self.memberId = memberId
            self.priority = priority
            self.hits = hits
        }
    }

    /// A member placed at a store.
    public struct Assigned: Sendable, Hashable {
        public var memberId: Int64
        public var storeId: Int64
        public var distanceMeters: Double
        /// Position of the store used in the member's nearest-first list: 0 = nearest, 1 = overflowed once…
        public var storeRank: Int

        public init(memberId: Int64, storeId: Int64, distanceMeters: Double, storeRank: Int) {
            self.memberId = memberId
            self.storeId = storeId
            self.distanceMeters = distanceMeters
            self.storeRank = storeRank
        }
    }

    /// Why a candidate was not placed; the pipeline counts these by ``name``.
    public enum UnassignedReason: String, Sendable, Hashable, CaseIterable {
        /// Every store in the member's radius had already reached its quota.
        case quotaExhausted = "quota_exhausted"
        /// The candidate came with no store in radius.
        case noStoreInRadius = "no_store_in_radius"
        /// The member id appeared again after it was already processed (input should be one row per member).
        case duplicateMember = "duplicate_member"

        /// A stable snake_case name for reports (the raw value; never renamed).
        public var name: String { rawValue }
    }

    /// A candidate that got no store.
    public struct Unassigned: Sendable, Hashable {
        public var memberId: Int64
        public var reason: UnassignedReason

        public init(memberId: Int64, reason: UnassignedReason) {
            self.memberId = memberId
            self.reason = reason
        }
    }

    /// The outcome of one assignment pass.
    public struct Result: Sendable {
        /// Placed members in processing order (priority descending, then member id ascending).
        public var assigned: [Assigned]
        /// For each of `assigned`, its candidate's position in the input: callers keep what else they
        /// know of a candidate in an array beside the input instead of a dictionary by member id.
        public var assignedCandidates: [Int]
        /// Members not placed, in processing order.
        public var unassigned: [Unassigned]
        /// Members placed per store (only stores that received someone).
        public var countByStore: [Int64: Int]
    }

    /// Maximum members per store; nil means no quota. Zero or negative places nobody.
    public var maxPerStore: Int?

    public init(maxPerStore: Int?) {
        self.maxPerStore = maxPerStore
    }

    /// Places candidates greedily in priority order, each at the nearest store in its list with room left.
    ///
    /// Greedy-by-priority (not a global optimum such as minimum total distance) because it is easy to
    /// explain to store managers: a higher-priority member never loses their nearest store to a lower one.
    public func assign(_ candidates: [Candidate]) -> Result {
        // Sort flat keys rather than candidates: no reference counting of hit arrays in the comparator.
        let keys = candidates.enumerated().map { index, candidate in
            SortKey(priority: candidate.priority, memberId: candidate.memberId, index: index)
        }
        let order = keys.sorted { a, b in
            switch a.compare(b) {
            case .some(let before): return before
            case .none: return candidates[a.index].hits.lexicographicallyPrecedes(
                candidates[b.index].hits, by: StoreHit.precedes)
            }
        }.map(\.index)
        var countByStore: [Int64: Int] = [:]
        var seen = Set<Int64>(minimumCapacity: candidates.count)
        var assigned: [Assigned] = []
        assigned.reserveCapacity(candidates.count)
        var assignedCandidates: [Int] = []
        assignedCandidates.reserveCapacity(candidates.count)
        var unassigned: [Unassigned] = []
        let quota = maxPerStore.map { max(0, $0) }

        /// The nearest store in `hits` with room left, counted in; nil when all are full.
        func place(_ hits: UnsafeBufferPointer<StoreHit>) -> (rank: Int, hit: StoreHit)? {
            for rank in hits.indices {
                let hit = hits[rank]
                let current = countByStore[hit.storeId, default: 0]
                if let quota, current >= quota { continue }
                countByStore[hit.storeId] = current + 1
                return (rank, hit)
            }
            return nil
        }
        for index in order {
            let memberId = candidates[index].memberId
            guard seen.insert(memberId).inserted else {
                unassigned.append(Unassigned(memberId: memberId, reason: .duplicateMember))
                continue
            }
            // The hits are read in place: copying each candidate out cost a retain and release per member.
            let placed = candidates[index].hits.withUnsafeBufferPointer { hits in
                Self.isCanonical(hits) ? place(hits) : hits.sorted(by: StoreHit.precedes).withUnsafeBufferPointer(place)
            }
            if let (rank, hit) = placed {
                assigned.append(Assigned(memberId: memberId, storeId: hit.storeId, distanceMeters: hit.distanceMeters, storeRank: rank))
                assignedCandidates.append(index)
            } else {
                let reason: UnassignedReason = candidates[index].hits.isEmpty ? .noStoreInRadius : .quotaExhausted
                unassigned.append(Unassigned(memberId: memberId, reason: reason))
            }
        }
        return Result(assigned: assigned, assignedCandidates: assignedCandidates, unassigned: unassigned, countByStore: countByStore)
    }

    /// Processing order: priority descending (NaN last), member id ascending; exact ties (duplicate
    /// member rows) fall back to comparing hit lists, so the order never depends on input order.
    private struct SortKey {
        var priority: Double
        var memberId: Int64
        var index: Int

        /// True if `self` goes first, false if `other` does, nil on a tie of priority and member id.
        func compare(_ other: SortKey) -> Bool? {
            let selfIsNaN = priority.isNaN
            let otherIsNaN = other.priority.isNaN
            if selfIsNaN != otherIsNaN { return otherIsNaN }
            if !selfIsNaN, priority != other.priority { return priority > other.priority }
            if memberId != other.memberId { return memberId < other.memberId }
            return nil
        }
    }

    private static func isCanonical(_ hits: UnsafeBufferPointer<StoreHit>) -> Bool {
        hits.indices.dropFirst().allSatisfy { !StoreHit.precedes(hits[$0], hits[$0 - 1]) }
    }
}
