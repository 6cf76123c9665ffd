import ReactivateCore

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
