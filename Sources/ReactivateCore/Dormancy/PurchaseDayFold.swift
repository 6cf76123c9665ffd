/// Folds one member's transactions, in time order, into the per-member facts every stage needs.
///
/// A purchase is a transaction with a positive amount; a purchase day is a business-calendar day with at
/// least one. Refunds count toward net sales but never make a day a purchase day. Constant state per
/// member, so memory grows with members, not with transactions.
public struct PurchaseDayFold: Sendable, Equatable {
    public private(set) var firstPurchaseDay: Int32?
    public private(set) var lastPurchaseDay: Int32?
    public private(set) var purchaseDays: Int32 = 0
    /// Sum of positive amounts, in cents.
    public private(set) var grossCents: Int64 = 0
    /// Net amount (refunds included) on days ≥ `preStartDay`, in cents.
    public private(set) var preSalesCents: Int64 = 0
    /// Transactions folded.
    public private(set) var transactions = 0
    /// Transactions that arrived earlier in time than the one before (the stream must be time-ordered).
    public private(set) var outOfOrder = 0

    let preStartDay: Int32
    private var lastDay = Int32.min

    public init(preStartDay: Int32) {
        self.preStartDay = preStartDay
    }

    /// Adds a transaction on `day` (business calendar) of `cents`.
    @inline(__always)
    public mutating func add(day: Int32, cents: Int64) {
        transactions += 1
        if day < lastDay { outOfOrder += 1 }
        lastDay = max(lastDay, day)
        if day >= preStartDay { preSalesCents &+= cents }
        guard cents > 0 else { return }
        grossCents &+= cents
        if day != lastPurchaseDay {
            // Days arrive in order, so a new day differs from the last purchase day exactly when it is new.
            if let last = lastPurchaseDay, day < last { return }
            purchaseDays += 1
            if firstPurchaseDay == nil { firstPurchaseDay = day }
            lastPurchaseDay = day
        }
    }
}
