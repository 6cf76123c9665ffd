import ReactivateCore

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
