/// Per-member purchase facts folded from transactions that arrive in any order, member by member or
/// interleaved (a sequential scan returns rows in insertion order, usually chronological).
///
/// Sums, first and last day do not depend on order; counting distinct purchase days does. The table
/// counts a new day whenever it is later than the member's last purchase day, which is exact for
/// chronological rows; a purchase earlier than that marks the member `needsOrderedRefold`, and the
/// caller re-folds just those members from an ordered stream. Memory: a few words per member.
public struct PurchaseTable: Sendable {
    public private(set) var firstDay: [Int32]
    public private(set) var lastDay: [Int32]
    public private(set) var purchaseDays: [Int32]
    public private(set) var grossCents: [Int64]
    public private(set) var preSalesCents: [Int64]
    /// Transactions folded into each slot (refunds included).
    public private(set) var transactions: [Int32]
    /// Members whose purchases arrived out of order: their day count must be re-folded in order.
    public private(set) var needsOrderedRefold: Set<Int> = []
    let preStartDay: Int32
    public static let none = Int32.min

    public init(members: Int, preStartDay: Int32) {
        firstDay = Array(repeating: Self.none, count: members)
        lastDay = Array(repeating: Self.none, count: members)
        purchaseDays = Array(repeating: 0, count: members)
        grossCents = Array(repeating: 0, count: members)
        preSalesCents = Array(repeating: 0, count: members)
        transactions = Array(repeating: 0, count: members)
        self.preStartDay = preStartDay
    }

    /// The rows at `slots`, in that order (slots from an id-range table gathered into member order).
    public func gathered(_ slots: [Int]) -> PurchaseTable {
        var table = PurchaseTable(members: 0, preStartDay: preStartDay)
        table.firstDay = slots.map { firstDay[$0] }
        table.lastDay = slots.map { lastDay[$0] }
        table.purchaseDays = slots.map { purchaseDays[$0] }
        table.grossCents = slots.map { grossCents[$0] }
        table.preSalesCents = slots.map { preSalesCents[$0] }
        table.transactions = slots.map { transactions[$0] }
        return table
    }

    /// Adds a transaction of member `index` on business day `day`.
    @inline(__always)
    public mutating func add(member index: Int, day: Int32, cents: Int64) {
        transactions[index] &+= 1
        if day >= preStartDay { preSalesCents[index] &+= cents }
        guard cents > 0 else { return }
        grossCents[index] &+= cents
        let last = lastDay[index]
        if last == Self.none {
            firstDay[index] = day
            lastDay[index] = day
            purchaseDays[index] = 1
        } else if day > last {
            lastDay[index] = day
            purchaseDays[index] += 1
        } else if day < last {
            if day < firstDay[index] { firstDay[index] = day }
            needsOrderedRefold.insert(index)
        }
    }

    /// Folds in `later`: the same slots folded from rows that all come after this table's rows in scan
    /// order (the next block range of the table). Exact when a member's purchases are chronological
    /// across the boundary, as in a table appended in time order; otherwise the member is marked for an
    /// ordered re-fold.
    public mutating func append(later: PurchaseTable) {
        precondition(later.transactions.count == transactions.count, "appending a purchase table of another shape")
        for slot in later.transactions.indices where later.transactions[slot] != 0 {
            transactions[slot] &+= later.transactions[slot]
            preSalesCents[slot] &+= later.preSalesCents[slot]
            grossCents[slot] &+= later.grossCents[slot]
            let laterFirst = later.firstDay[slot]
            guard laterFirst != Self.none else { continue }
            let last = lastDay[slot]
            if last == Self.none {
                firstDay[slot] = laterFirst
                lastDay[slot] = later.lastDay[slot]
                purchaseDays[slot] = later.purchaseDays[slot]
            } else if laterFirst >= last {
                // A purchase day on both sides of the boundary is one day.
                purchaseDays[slot] += later.purchaseDays[slot] - (laterFirst == last ? 1 : 0)
                lastDay[slot] = later.lastDay[slot]
            } else {
                firstDay[slot] = min(firstDay[slot], laterFirst)
                lastDay[slot] = max(last, later.lastDay[slot])
                needsOrderedRefold.insert(slot)
            }
        }
        needsOrderedRefold.formUnion(later.needsOrderedRefold)
    }

    /// Clears a member before re-folding its transactions in order.
    public mutating func reset(member index: Int) {
        firstDay[index] = Self.none
        lastDay[index] = Self.none
        purchaseDays[index] = 0
        grossCents[index] = 0
        preSalesCents[index] = 0
        transactions[index] = 0
    }

    /// Marks re-folding done.
    public mutating func clearRefold() { needsOrderedRefold.removeAll() }
}
