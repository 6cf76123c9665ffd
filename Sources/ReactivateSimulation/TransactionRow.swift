import ReactivateCore

/// One row of `transactions`.
public struct TransactionRow: Sendable, Equatable {
    /// `txn_id`: `memberId << 12 | sequence` in history (sequence in time order), so ids are unique and
    /// reproducible without coordination; wave outcomes use another range (see ``WaveScenario``).
    public var txnId: Int64
    /// `member_id`.
    public var memberId: Int64
    /// `store_id`; always a store open on that Shanghai day.
    public var storeId: Int64
    /// `occurred_at`; purchases fall within Shanghai shopping hours 08:00–22:00.
    public var occurredAt: Int64
    /// `amount` in cents; negative for a refund.
    public var amountCents: Int64
    /// `coupon_code`; NULL in generated history, set on redeemed wave coupons.
    public var couponCode: String?

    /// Creates a row.
    public init(txnId: Int64, memberId: Int64, storeId: Int64, occurredAt: Int64, amountCents: Int64, couponCode: String?) {
        self.txnId = txnId
        self.memberId = memberId
        self.storeId = storeId
        self.occurredAt = occurredAt
        self.amountCents = amountCents
        self.couponCode = couponCode
    }

    /// A purchase (amount > 0), as opposed to a refund.
    public var isPurchase: Bool { amountCents > 0 }
}
