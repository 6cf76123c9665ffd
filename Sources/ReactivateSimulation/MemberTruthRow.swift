import ReactivateCore

/// One row of `sim.member_truth`: the latent state behind a member's rows, for tests and model checks only.
public struct MemberTruthRow: Sendable, Equatable {
    /// `member_id`.
    public var memberId: Int64
    /// `purchase_rate_per_day`: λ, the Poisson purchase rate while alive.
    public var purchaseRatePerDay: Double
    /// `dropout_p`: p, the probability of dropping out right after each repeat purchase.
    public var dropoutP: Double
    /// `activated`: whether the member ever makes a first purchase (false for never-activated sign-ups).
    public var activated: Bool
    /// `alive_at_as_of`: activated and not dropped out before the cut-off (true also for the few activated
    /// members whose first purchase is still ahead of D).
    public var aliveAtAsOf: Bool
    /// `dropout_at`: the instant of the purchase right after which the member dropped out; NULL if alive or never activated.
    public var dropoutAt: Int64?
    /// `first_purchase_at`; NULL if the member has no purchase before the cut-off.
    public var firstPurchaseAt: Int64?
    /// `last_purchase_at`; NULL if no purchase before the cut-off.
    public var lastPurchaseAt: Int64?
    /// `purchase_count`: purchases (amount > 0) before the cut-off, refunds excluded.
    public var purchaseCount: Int32
    /// `mean_spend_cents`: the member's expected amount per purchase.
    public var meanSpendCents: Int64
    /// `spend_log_mu`: the log-normal μ of the member's purchase amounts in cents.
    public var spendLogMu: Double
    /// `spend_log_sigma`: the log-normal σ of the member's purchase amounts.
    public var spendLogSigma: Double
    /// `primary_store_id`: the store the member really shops at (set even when `home_store_id` is NULL).
    public var primaryStoreId: Int64
    /// `moved_away`: the member's latest location is in another city (they moved).
    public var movedAway: Bool

    /// Creates a row.
    public init(
        memberId: Int64, purchaseRatePerDay: Double, dropoutP: Double, activated: Bool, aliveAtAsOf: Bool,
        dropoutAt: Int64?, firstPurchaseAt: Int64?, lastPurchaseAt: Int64?, purchaseCount: Int32,
        meanSpendCents: Int64, spendLogMu: Double, spendLogSigma: Double, primaryStoreId: Int64, movedAway: Bool
    ) {
        self.memberId = memberId
        self.purchaseRatePerDay = purchaseRatePerDay
        self.dropoutP = dropoutP
        self.activated = activated
        self.aliveAtAsOf = aliveAtAsOf
        self.dropoutAt = dropoutAt
        self.firstPurchaseAt = firstPurchaseAt
        self.lastPurchaseAt = lastPurchaseAt
        self.purchaseCount = purchaseCount
        self.meanSpendCents = meanSpendCents
        self.spendLogMu = spendLogMu
        self.spendLogSigma = spendLogSigma
        self.primaryStoreId = primaryStoreId
        self.movedAway = movedAway
    }
}
