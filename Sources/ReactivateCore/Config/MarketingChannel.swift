/// A way to deliver a coupon to a member; raw values are the names used in `member_channels`
/// and in pipeline configs.
public enum MarketingChannel: String, Sendable, Hashable, CaseIterable {
    case wechatCard = "wechat_card"
    case wechatOA = "wechat_oa"
    case sms = "sms"
    case momentsAd = "moments_ad"
}
