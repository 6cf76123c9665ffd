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
    /// about 110 bytes while the streams fold (facts and purchase entries), and every slot is
    /// allocated, folded and gathered. A shard of a hash-partitioned source holds every n-th id of
    /// the whole range; with a million extra slots allowed, each of 4 shards at 1M members took the
    /// range form over 4× its members (extract 4.6 s, peak 349 MB; the index form 4.4 s, 190 MB).
    static let maximumRangeSlots = (perMember: 2, extra: 1 << 16)

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
///
/// Each stream folds into one small record per slot (`MemberRecord`, five words per slot for the
/// channels, `LocationRecord`) rather than into the artifact's columns: on tables in no member order
/// every row lands on a random slot, and a row touching four or five columns missed the cache four or
/// five times (a fifth of the client's time on a shuffled source at 1M members); a record is one line.
/// The columns are made once, in slot order, when the facts are gathered.
struct MemberFacts {
    struct MemberRecord {
        /// When the member joined; `Int64.max` while the slot has no member.
        var joinedAt: Int64 = .max
        var id: Int64 = 0
        var joinedDay: Int32 = MemberHistories.noDay
        var consent: UInt8 = 0
        var optedOut: UInt8 = 0
    }

    struct LocationRecord {
        /// When the kept location was observed; `Int64.min` while the slot has none.
        var observedAt: Int64 = .min
        var latitude: Double = .nan
        var longitude: Double = .nan
        var day: Int32 = MemberHistories.noDay
    }

    private var members: [MemberRecord]
    /// Per slot `channelWords` words: the channels' states (a byte each, in `channelOrder`), then each
    /// channel's last delivery day.
    private var channels: [Int32]
    private var locations: [LocationRecord]
    private static let channelWords = 1 + MemberHistories.channelOrder.count

    /// Rows wait here and are folded a batch at a time: a tight loop over a batch keeps many of its
    /// cache misses in flight at once, where folding each row between two rows' decoding waited for
    /// every miss in turn (the channel fold alone was a tenth of the client's time on a shuffled source).
    /// The rows carry member ids, resolved to slots in the batch too: with scattered ids the lookup is
    /// itself a random probe into the id index.
    private var pendingMembers: [MemberRecord] = []
    private var pendingChannels: [(id: Int64, channel: Int, health: UInt8, deliveredDay: Int32)] = []
    private var pendingLocations: [(id: Int64, record: LocationRecord)] = []
    private static let batch = 512
    private let lookup: SlotLookup
    /// Kept only when the data tests check the (member, channel) pairs themselves (`checkChannelPairs`).
    private var channelPairs: ChannelPairs?

    /// The (member, channel) pairs of the channel rows, for the data tests' pair check when no unique
    /// index guarantees it: a bit per slot and channel marks the pairs seen, so only a pair's repeats
    /// and the rows of ids without a slot are kept. Keeping every row's member id instead held 8 bytes
    /// a row, 18M rows at 8M members: 180 MB of the extract's peak on a table without the index.
    struct ChannelPairs {
        var seen: [UInt8]
        /// Rows whose (member, channel) was seen before; channels in the artifact's order.
        var repeated: [(id: Int64, channel: Int)] = []
        var withoutSlot: [(id: Int64, channel: Int)] = []

        /// One row of a member with a slot: marks its pair seen, or keeps it as a repeat.
        mutating func note(id: Int64, channel: Int, slot: Int) {
            let bit = UInt8(1) << channel
            if seen[slot] & bit != 0 { repeated.append((id, channel)) } else { seen[slot] |= bit }
        }
    }

    /// Keeps the channel rows' pairs from now on (before the first `addChannel`).
    mutating func checkChannelPairs() {
        channelPairs = ChannelPairs(seen: Array(repeating: 0, count: members.count))
    }

    /// The pairs kept, once the channel rows are folded (`settle()`).
    mutating func takeChannelPairs() -> ChannelPairs? {
        precondition(pendingChannels.isEmpty, "settle() the facts before taking the channel pairs")
        defer { channelPairs = nil }
        return channelPairs
    }

    /// `lookup` maps member ids to the `slots` slots (by default id = slot).
    init(slots: Int, lookup: SlotLookup? = nil) {
        self.lookup = lookup ?? SlotLookup(low: 0, count: slots, probe: nil)
        members = Array(repeating: MemberRecord(), count: slots)
        channels = Array(repeating: MemberHistories.noDay, count: slots * Self.channelWords)
        let unavailable = Int32(bitPattern: UInt32(MemberHistories.ChannelState.unavailable.rawValue) * 0x0101_0101)
        for slot in 0..<slots { channels[slot * Self.channelWords] = unavailable }
        locations = Array(repeating: LocationRecord(), count: slots)
        pendingMembers.reserveCapacity(Self.batch)
        pendingChannels.reserveCapacity(Self.batch)
        pendingLocations.reserveCapacity(Self.batch)
    }

    /// Rows of ids without a slot (not members on D) are dropped when their batch is folded.
    mutating func addMember(_ record: MemberRecord) {
        pendingMembers.append(record)
        if pendingMembers.count == Self.batch { foldMembers() }
    }

    mutating func addChannel(id: Int64, channel: Int, health: ChannelHealth, deliveredDay: Int32?) {
        pendingChannels.append((id, channel, health.rawValue, deliveredDay ?? MemberHistories.noDay))
        if pendingChannels.count == Self.batch { foldChannels() }
    }

    mutating func addLocation(id: Int64, observedAt: Int64, day: Int32, latitude: Double, longitude: Double) {
        pendingLocations.append((id, LocationRecord(observedAt: observedAt, latitude: latitude, longitude: longitude, day: day)))
        if pendingLocations.count == Self.batch { foldLocations() }
    }

    /// Folds every row still waiting; the streams call it when they are done.
    mutating func settle() {
        foldMembers()
        foldChannels()
        foldLocations()
    }

    private mutating func foldMembers() {
        members.withUnsafeMutableBufferPointer { members in
            for row in pendingMembers {
                guard let slot = lookup.slot(of: row.id) else { continue }
                let earlier = members[slot].joinedAt
                if row.joinedAt < earlier {
                    members[slot] = row
                } else if row.joinedAt == earlier {
                    members[slot].consent = min(members[slot].consent, row.consent)
                    members[slot].optedOut = max(members[slot].optedOut, row.optedOut)
                }
            }
        }
        pendingMembers.removeAll(keepingCapacity: true)
    }

    private mutating func foldChannels() {
        channels.withUnsafeMutableBufferPointer { words in
            for (id, channel, health, deliveredDay) in pendingChannels {
                guard let slot = lookup.slot(of: id) else {
                    channelPairs?.withoutSlot.append((id, channel))
                    continue
                }
                channelPairs?.note(id: id, channel: channel, slot: slot)
                let base = slot * Self.channelWords
                let shift = UInt32(8 * channel)
                let states = UInt32(bitPattern: words[base])
                if UInt32(health) > (states >> shift) & 0xFF {
                    words[base] = Int32(bitPattern: states & ~(0xFF << shift) | UInt32(health) << shift)
                }
                if deliveredDay > words[base + 1 + channel] { words[base + 1 + channel] = deliveredDay }
            }
        }
        pendingChannels.removeAll(keepingCapacity: true)
    }

    private mutating func foldLocations() {
        locations.withUnsafeMutableBufferPointer { locations in
            for (id, row) in pendingLocations {
                guard let slot = lookup.slot(of: id) else { continue }
                let kept = locations[slot]
                guard row.observedAt > kept.observedAt
                    || (row.observedAt == kept.observedAt
                        && Self.ordersAfter((row.latitude, row.longitude), (kept.latitude, kept.longitude)))
                else { continue }
                locations[slot] = row
            }
        }
        pendingLocations.removeAll(keepingCapacity: true)
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
        precondition(pendingMembers.isEmpty, "settle() the facts before reading them")
        var occupied: [Int] = []
        for slot in members.indices where members[slot].joinedAt != .max { occupied.append(slot) }
        return occupied.count == members.count ? nil : occupied
    }

    /// The members with their purchases, in member-id order, and the transactions folded into slots
    /// without a member (ids that are not members on D).
    consuming func gathered(with purchases: PurchaseTable) -> (members: MemberHistories, transactionsOfNonMembers: Int) {
        settle()
        let all = purchases.entries.reduce(0) { $0 + Int($1.transactions) }
        let occupied = occupiedSlots()
        var table = purchases
        if let occupied { table = purchases.gathered(occupied) }
        var rows = columns(slots: occupied)
        rows.setPurchases(table)
        let known = table.entries.reduce(0) { $0 + Int($1.transactions) }
        return (rows, all - known)
    }

    /// The facts as the artifact's columns, a row per slot of `kept` in that order (every slot when
    /// nil); the purchase columns stay empty until `setPurchases`. Each stream's records are released
    /// once its columns are made, so records and columns are not both held in full.
    consuming func columns(slots kept: [Int]? = nil) -> MemberHistories {
        settle()
        var rows = MemberHistories()
        let slotCount = members.count
        func column<Value>(_ value: (Int) -> Value) -> [Value] {
            kept?.map(value) ?? (0..<slotCount).map(value)
        }
        members.withUnsafeBufferPointer { members in
            rows.memberId = column { members[$0].id }
            rows.joinedDay = column { members[$0].joinedDay }
            rows.consent = column { members[$0].consent }
            rows.optedOut = column { members[$0].optedOut }
        }
        members = []
        let words = Self.channelWords
        channels.withUnsafeBufferPointer { channels in
            rows.channelState = (0..<MemberHistories.channelOrder.count).map { channel in
                column { UInt8(truncatingIfNeeded: UInt32(bitPattern: channels[$0 * words]) >> UInt32(8 * channel)) }
            }
            rows.channelDeliveredDay = (0..<MemberHistories.channelOrder.count).map { channel in
                column { channels[$0 * words + 1 + channel] }
            }
        }
        channels = []
        locations.withUnsafeBufferPointer { locations in
            rows.latitude = column { locations[$0].latitude }
            rows.longitude = column { locations[$0].longitude }
            rows.locationDay = column { locations[$0].day }
        }
        locations = []
        return rows
    }
}
