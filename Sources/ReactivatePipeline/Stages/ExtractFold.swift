import ReactivateCore

/// Where a member's row lives while the extract streams fold rows that arrive in any order.
///
/// Compact ids (the usual case) map by arithmetic, so every stream can start at once; scattered ids
/// need the id list first, read in order on the same snapshot.
struct MemberSlots: Sendable {
    /// The id → slot mapping without references, so the per-row lookup touches no reference count
    /// shared between the scan threads (see `MemberIdIndex.Probe`).
    let lookup: SlotLookup
    /// The ascending ids of the index form (nil for the range form).
    private let ids: [Int64]?
    /// Keeps the index's table alive for `lookup`.
    private let index: MemberIdIndex?

    /// Slots an id range may have per member before the scattered form is cheaper: each slot costs
    /// about 160 bytes while the streams fold.
    static let maximumRangeSlots = (perMember: 2, extra: 1 << 20)

    /// The range form when the ids from `low` to `high` are compact enough for `members`, else nil:
    /// the slot is `id − low`; slots without a member are dropped when the folds are gathered.
    static func range(low: Int64?, high: Int64?, members: Int64) -> MemberSlots? {
        guard let low, let high, high >= low else { return nil }
        let width = Int128(high) - Int128(low) + 1
        let limit = Int128(max(members, 1)) * Int128(maximumRangeSlots.perMember) + Int128(maximumRangeSlots.extra)
        guard width <= limit else { return nil }
        return MemberSlots(lookup: SlotLookup(low: low, count: Int(width), probe: nil), ids: nil, index: nil)
    }

    /// The index form over ids in ascending order without repeats: the slot is the member's position
    /// among the ids.
    static func index(ascending ids: [Int64]) -> MemberSlots {
        let index = MemberIdIndex(ascending: ids)
        return MemberSlots(lookup: SlotLookup(low: 0, count: ids.count, probe: index.probe), ids: ids, index: index)
    }

    /// The index form over ids in any order, repeats allowed.
    static func index(unordered ids: [Int64]) -> MemberSlots {
        var ids = ids
        ids.sort()
        var kept = 0
        for id in ids where kept == 0 || ids[kept - 1] != id {
            ids[kept] = id
            kept += 1
        }
        ids.removeLast(ids.count - kept)
        return index(ascending: ids)
    }

    var count: Int { lookup.count }

    /// The per-bucket route of the index form (`MemberIdBuckets`) for buckets of `1 << shift` slots;
    /// nil for the range form.
    func idBuckets(shift: Int) -> MemberIdBuckets? {
        guard let ids, let index else { return nil }
        return MemberIdBuckets(ascending: ids, index: index, shift: shift)
    }

    /// The ids of `slots` (index form only), for resolving a bucket's offsets.
    func withIds<Result>(ofSlots slots: Range<Int>, _ body: (UnsafeBufferPointer<Int64>) -> Result) -> Result {
        guard let ids else { preconditionFailure("the range form has no id list") }
        return ids.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[slots])) }
    }

    /// Ascending slots hold ascending ids, so gathering slots in order yields members in id order.
    @inline(__always)
    func slot(of id: Int64) -> Int? { lookup.slot(of: id) }

    func id(ofSlot slot: Int) -> Int64 {
        if let ids { ids[slot] } else { lookup.low + Int64(slot) }
    }
}

/// `MemberSlots`' mapping as plain values and a pointer: copied into each scan thread's spill.
struct SlotLookup: Sendable {
    let low: Int64
    let count: Int
    let probe: MemberIdIndex.Probe?

    @inline(__always)
    func slot(of id: Int64) -> Int? {
        if let probe { return probe.position(of: id) }
        let (offset, overflow) = id.subtractingReportingOverflow(low)
        return !overflow && offset >= 0 && offset < Int64(count) ? Int(offset) : nil
    }
}

/// Member-level facts folded by slot from member, channel and location rows in any order.
///
/// Every fold keeps an order-independent winner, so the streams need no ORDER BY (sorting them cost
/// the server more than scanning them): a member listed twice keeps its earliest joining row, on a
/// tie the more conservative consent; a channel keeps its best health and latest delivery; a member
/// keeps the latest location observed, on a tie the larger latitude then longitude with NaN largest —
/// the row PostgreSQL would put last.
struct MemberFacts {
    private(set) var rows: MemberHistories
    /// When the member in each slot joined; `Int64.max` while the slot has no member.
    private var joinedAt: [Int64]
    /// When each slot's kept location was observed; `Int64.min` while it has none.
    private var locationAt: [Int64]

    init(slots: Int) {
        rows = MemberHistories(blankRows: slots)
        joinedAt = Array(repeating: .max, count: slots)
        locationAt = Array(repeating: .min, count: slots)
    }

    mutating func addMember(slot: Int, id: Int64, joinedAt instant: Int64, joinedDay: Int32, consent: Bool, optedOut: Bool) {
        let consentFlag: UInt8 = consent ? 1 : 0, optedOutFlag: UInt8 = optedOut ? 1 : 0
        let earlier = joinedAt[slot]
        if instant < earlier {
            joinedAt[slot] = instant
            rows.memberId[slot] = id
            rows.joinedDay[slot] = joinedDay
            rows.consent[slot] = consentFlag
            rows.optedOut[slot] = optedOutFlag
        } else if instant == earlier {
            rows.consent[slot] = min(rows.consent[slot], consentFlag)
            rows.optedOut[slot] = max(rows.optedOut[slot], optedOutFlag)
        }
    }

    mutating func addChannel(slot: Int, channel: Int, health: ChannelHealth, deliveredDay: Int32?) {
        rows.channelState[channel][slot] = max(rows.channelState[channel][slot], health.rawValue)
        if let deliveredDay { rows.channelDeliveredDay[channel][slot] = max(rows.channelDeliveredDay[channel][slot], deliveredDay) }
    }

    mutating func addLocation(slot: Int, observedAt: Int64, day: Int32, latitude: Double, longitude: Double) {
        let kept = locationAt[slot]
        guard observedAt > kept
            || (observedAt == kept
                && Self.ordersAfter((latitude, longitude), (rows.latitude[slot], rows.longitude[slot])))
        else { return }
        locationAt[slot] = observedAt
        rows.latitude[slot] = latitude
        rows.longitude[slot] = longitude
        rows.locationDay[slot] = day
    }

    /// PostgreSQL's float order on (latitude, longitude): NaN sorts above every number.
    static func ordersAfter(_ lhs: (Double, Double), _ rhs: (Double, Double)) -> Bool {
        func key(_ value: Double) -> (Bool, Double) { value.isNaN ? (true, 0) : (false, value) }
        let (l0, l1) = (key(lhs.0), key(lhs.1)), (r0, r1) = (key(rhs.0), key(rhs.1))
        if l0 != r0 { return l0.0 != r0.0 ? l0.0 : l0.1 > r0.1 }
        return l1.0 != r1.0 ? l1.0 : l1.1 > r1.1
    }

    /// Slots holding a member, ascending (so in member-id order); nil when every slot does.
    func occupiedSlots() -> [Int]? {
        var occupied: [Int] = []
        for slot in joinedAt.indices where joinedAt[slot] != .max { occupied.append(slot) }
        return occupied.count == joinedAt.count ? nil : occupied
    }

    /// The members with their purchases, in member-id order, and the transactions folded into slots
    /// without a member (ids that are not members on D).
    consuming func gathered(with purchases: PurchaseTable) -> (members: MemberHistories, transactionsOfNonMembers: Int) {
        let all = purchases.entries.reduce(0) { $0 + Int($1.transactions) }
        var members: MemberHistories
        var table = purchases
        if let occupied = occupiedSlots() {
            members = rows.gathered(occupied)
            table = purchases.gathered(occupied)
        } else {
            members = rows
        }
        members.setPurchases(table)
        let known = table.entries.reduce(0) { $0 + Int($1.transactions) }
        return (members, all - known)
    }
}
