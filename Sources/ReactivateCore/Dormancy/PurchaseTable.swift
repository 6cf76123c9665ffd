/// Per-member purchase facts folded from transactions that arrive in any order.
///
/// Everything here is an order-independent fold — counts and sums add, the first and last purchase
/// day are a minimum and a maximum — so tables folded from different parts of a scan merge exactly
/// (`merge`) whatever the table's physical order. The one fact that is not is the number of distinct
/// purchase days: `add` reports each purchase back so the caller can collect its (member, day) pair.
/// The extract folds bucket by bucket instead (`PurchaseDayBuckets.fold`), with the same `Entry.add`.
/// Memory: 32 bytes per member, one entry each (the day counts, 4 more, are set at the end).
public struct PurchaseTable: Sendable {
    /// One member's running facts, kept together: a scan not in member order touches a random member
    /// per row, and one 32-byte entry is one cache line to miss where five parallel arrays were five
    /// (1M members, time-ordered heap: extract 9.4 s → see README).
    @frozen public struct Entry: Sendable, Equatable {
        public var firstDay: Int32
        public var lastDay: Int32
        /// Transactions folded in (refunds included).
        public var transactions: Int32
        public var grossCents: Int64
        public var preSalesCents: Int64

        @inlinable public init() {
            firstDay = PurchaseTable.none
            lastDay = PurchaseTable.none
            transactions = 0
            grossCents = 0
            preSalesCents = 0
        }

        /// Folds in one transaction; true when it is a purchase (a positive amount).
        @inlinable @inline(__always)
        public mutating func add(day: Int32, cents: Int64, preStartDay: Int32) -> Bool {
            transactions &+= 1
            if day >= preStartDay { preSalesCents &+= cents }
            guard cents > 0 else { return false }
            grossCents &+= cents
            if firstDay == PurchaseTable.none || day < firstDay { firstDay = day }
            if day > lastDay { lastDay = day }  // `none` is below every day
            return true
        }
    }

    public private(set) var entries: [Entry]
    /// Distinct purchase days per member: empty until `setPurchaseDays`.
    public private(set) var purchaseDays: [Int32] = []
    let preStartDay: Int32
    public static let none = Int32.min

    public init(members: Int, preStartDay: Int32) {
        entries = Array(repeating: Entry(), count: members)
        self.preStartDay = preStartDay
    }

    /// A table folded elsewhere (bucket by bucket, `PurchaseDayBuckets.fold`).
    public init(entries: [Entry], purchaseDays: [Int32], preStartDay: Int32) {
        precondition(entries.count == purchaseDays.count, "purchase-day counts and purchase table differ in length")
        self.entries = entries
        self.purchaseDays = purchaseDays
        self.preStartDay = preStartDay
    }

    public var count: Int { entries.count }
    public var firstDay: [Int32] { entries.map(\.firstDay) }
    public var lastDay: [Int32] { entries.map(\.lastDay) }
    public var grossCents: [Int64] { entries.map(\.grossCents) }
    public var preSalesCents: [Int64] { entries.map(\.preSalesCents) }
    public var transactions: [Int32] { entries.map(\.transactions) }

    /// The rows at `slots`, in that order (slots from an id-range table gathered into member order).
    public func gathered(_ slots: [Int]) -> PurchaseTable {
        var table = PurchaseTable(members: 0, preStartDay: preStartDay)
        table.entries = slots.map { entries[$0] }
        table.purchaseDays = purchaseDays.isEmpty ? [] : slots.map { purchaseDays[$0] }
        return table
    }

    /// Adds a transaction of member `index` on business day `day`. True when it is a purchase (a
    /// positive amount): its (member, day) pair then belongs in the distinct-day count.
    @inline(__always) @discardableResult
    public mutating func add(member index: Int, day: Int32, cents: Int64) -> Bool {
        entries[index].add(day: day, cents: cents, preStartDay: preStartDay)
    }

    /// Folds in `other`: the same slots folded from any other rows. Commutative and associative, so
    /// the parts of a scan merge in any order.
    public mutating func merge(_ other: PurchaseTable) {
        precondition(other.count == count, "merging a purchase table of another shape")
        for slot in other.entries.indices where other.entries[slot].transactions != 0 {
            let theirs = other.entries[slot]
            var mine = entries[slot]
            mine.transactions &+= theirs.transactions
            mine.preSalesCents &+= theirs.preSalesCents
            mine.grossCents &+= theirs.grossCents
            if theirs.firstDay != Self.none {
                if mine.firstDay == Self.none || theirs.firstDay < mine.firstDay { mine.firstDay = theirs.firstDay }
                if theirs.lastDay > mine.lastDay { mine.lastDay = theirs.lastDay }
            }
            entries[slot] = mine
        }
    }

    /// Sets every member's distinct purchase days (counted by `PurchaseDayBuckets`).
    public mutating func setPurchaseDays(_ counts: [Int32]) {
        precondition(counts.count == count, "purchase-day counts and purchase table differ in length")
        purchaseDays = counts
    }
}
