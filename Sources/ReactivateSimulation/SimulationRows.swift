import ReactivateCore
// Rows as the loader writes them with binary COPY: timestamps are Int64 µs since 2000-01-01 00:00 UTC
// (timestamptz), dates Int32 days since 2000-01-01 (date), money Int64 cents, optionals are NULLs.

/// One row of `stores`.
public struct StoreRow: Sendable, Equatable {
    /// `store_id`, 1…S.
    public var storeId: Int64
    /// `name`, e.g. "Lotus Shanghai #12" or "上海 #3".
    public var name: String
    /// `latitude` in degrees.
    public var latitude: Double
    /// `longitude` in degrees.
    public var longitude: Double
    /// `opened_on`; NULL for a few old flagships whose opening date was never recorded.
    public var openedOn: Int32?
    /// `closed_on`; the store is open on day D when opened_on ≤ D (or NULL) and (closed_on is NULL or > D).
    public var closedOn: Int32?

    /// Creates a row.
    public init(storeId: Int64, name: String, latitude: Double, longitude: Double, openedOn: Int32?, closedOn: Int32?) {
        self.storeId = storeId
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.openedOn = openedOn
        self.closedOn = closedOn
    }

    /// Whether the store is open on `day`, by the specification's rule.
    public func isOpen(on day: Int32) -> Bool {
        (openedOn.map { $0 <= day } ?? true) && (closedOn.map { $0 > day } ?? true)
    }
}

/// One row of `members`.
public struct MemberRow: Sendable, Equatable {
    /// `member_id`, 1…N.
    public var memberId: Int64
    /// `joined_at`.
    public var joinedAt: Int64
    /// `home_store_id`; NULL for a small share of members.
    public var homeStoreId: Int64?
    /// `marketing_consent` as given at sign-up.
    public var marketingConsent: Bool
    /// `opted_out_at`; some fall after the as-of cut-off on purpose (a run as of D must not see them).
    public var optedOutAt: Int64?

    /// Creates a row.
    public init(memberId: Int64, joinedAt: Int64, homeStoreId: Int64?, marketingConsent: Bool, optedOutAt: Int64?) {
        self.memberId = memberId
        self.joinedAt = joinedAt
        self.homeStoreId = homeStoreId
        self.marketingConsent = marketingConsent
        self.optedOutAt = optedOutAt
    }
}

/// One row of `member_locations`.
public struct MemberLocationRow: Sendable, Equatable {
    /// Where a location observation came from (`source` column).
    public enum Source: String, Sendable, CaseIterable {
        /// Location-based services (app or WeChat geolocation).
        case lbs
        /// A postal address, geocoded.
        case address
        /// A check-in at a store.
        case checkin
    }

    /// `member_id`.
    public var memberId: Int64
    /// `latitude` in degrees; exactly 0 together with longitude 0 is the source system's "unknown" placeholder.
    public var latitude: Double
    /// `longitude` in degrees.
    public var longitude: Double
    /// `observed_at`.
    public var observedAt: Int64
    /// `source`.
    public var source: Source

    /// Creates a row.
    public init(memberId: Int64, latitude: Double, longitude: Double, observedAt: Int64, source: Source) {
        self.memberId = memberId
        self.latitude = latitude
        self.longitude = longitude
        self.observedAt = observedAt
        self.source = source
    }

    /// Whether this is the (0, 0) "unknown" placeholder some source systems write instead of NULL.
    public var isPlaceholder: Bool { latitude == 0 && longitude == 0 }
}

/// One row of `member_channels`; at most one per (member, channel).
public struct MemberChannelRow: Sendable, Equatable {
    /// A messaging channel (`channel` column).
    public enum Channel: String, Sendable, CaseIterable {
        /// WeChat official account message.
        case wechatOA = "wechat_oa"
        /// WeChat membership card / card-pack coupon.
        case wechatCard = "wechat_card"
        /// Text message.
        case sms
        /// WeChat Moments advertising audience.
        case momentsAd = "moments_ad"
    }

    /// `member_id`.
    public var memberId: Int64
    /// `channel`.
    public var channel: Channel
    /// `verified_at`; NULL when never verified.
    public var verifiedAt: Int64?
    /// `last_delivered_at`.
    public var lastDeliveredAt: Int64?
    /// `last_failed_at`; a channel whose last failure is after its last delivery is unhealthy.
    public var lastFailedAt: Int64?

    /// Creates a row.
    public init(memberId: Int64, channel: Channel, verifiedAt: Int64?, lastDeliveredAt: Int64?, lastFailedAt: Int64?) {
        self.memberId = memberId
        self.channel = channel
        self.verifiedAt = verifiedAt
        self.lastDeliveredAt = lastDeliveredAt
        self.lastFailedAt = lastFailedAt
    }

    /// Verified, and not failing since the last delivery (the specification's reachability test, ignoring time).
    public var isHealthy: Bool {
        guard verifiedAt != nil else { return false }
        guard let failed = lastFailedAt else { return true }
        guard let delivered = lastDeliveredAt else { return false }
        return failed <= delivered
    }
}

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

/// Reusable arrays that member generation appends to, so a loader can stream members in chunks
/// without allocating per member or holding the whole base in memory.
public struct MemberBatch: Sendable, Equatable {
    /// `members` rows.
    public var members: [MemberRow] = []
    /// `member_locations` rows.
    public var locations: [MemberLocationRow] = []
    /// `member_channels` rows.
    public var channels: [MemberChannelRow] = []
    /// `transactions` rows, per member in time order.
    public var transactions: [TransactionRow] = []
    /// `sim.member_truth` rows.
    public var truths: [MemberTruthRow] = []

    /// An empty batch with room for about `memberCount` members' rows.
    public init(reservingCapacityFor memberCount: Int = 0) {
        let count = max(memberCount, 0)
        members.reserveCapacity(count)
        truths.reserveCapacity(count)
        locations.reserveCapacity(count * 3)
        channels.reserveCapacity(count * 3)
        transactions.reserveCapacity(count * 16)
    }

    /// Empties every array but keeps its storage for the next chunk.
    public mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
        locations.removeAll(keepingCapacity: true)
        channels.removeAll(keepingCapacity: true)
        transactions.removeAll(keepingCapacity: true)
        truths.removeAll(keepingCapacity: true)
    }

    /// Total rows across the five tables.
    public var rowCount: Int {
        members.count + locations.count + channels.count + transactions.count + truths.count
    }
}
