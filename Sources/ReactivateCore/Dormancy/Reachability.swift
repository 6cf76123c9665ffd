/// How well a member can be reached on D, from consent and channel health.
///
/// SPEC: reachable = consent, not opted out before D, and at least one channel verified before D whose
/// last failure is not after its last delivery. The score prefers fresher deliveries and WeChat
/// card/OA over SMS and ads, because those are the channels a coupon is actually seen and used in.
public struct Reachability: Sendable {
    /// Relative strength of each channel (a coupon in the WeChat card wallet is the easiest to redeem).
    public static func weight(_ channel: MarketingChannel) -> Double {
        switch channel {
        case .wechatCard: 1.0
        case .wechatOA: 0.9
        case .sms: 0.6
        case .momentsAd: 0.4
        }
    }

    /// Days over which delivery freshness halves its bonus.
    public static let freshnessHalfLifeDays = 90.0

    public struct ChannelObservation: Sendable {
        public var channel: MarketingChannel
        /// Verified before D and its last failure (if any) is not after its last delivery.
        public var healthy: Bool
        /// Days from the last delivery before D to D; nil when nothing was ever delivered.
        public var daysSinceDelivery: Int?

        public init(channel: MarketingChannel, healthy: Bool, daysSinceDelivery: Int?) {
            self.channel = channel
            self.healthy = healthy
            self.daysSinceDelivery = daysSinceDelivery
        }
    }

    public struct Assessment: Sendable, Equatable {
        /// 0 when unreachable, else in (0, 1].
        public var score: Double
        /// The channel a coupon should go through; nil when unreachable.
        public var bestChannel: MarketingChannel?
        public var reachable: Bool { bestChannel != nil }
    }

    /// Scores one member. `allowed` is the pipeline's channel list in preference order (ties go to the
    /// earlier one); a channel not in it is never chosen.
    public static func assess(
        consent: Bool, optedOut: Bool, channels: [ChannelObservation], allowed: [MarketingChannel]
    ) -> Assessment {
        guard consent, !optedOut else { return Assessment(score: 0, bestChannel: nil) }
        var best: (score: Double, rank: Int, channel: MarketingChannel)?
        for observation in channels where observation.healthy {
            guard let rank = allowed.firstIndex(of: observation.channel) else { continue }
            let freshness: Double
            if let days = observation.daysSinceDelivery {
                freshness = 0.5 + 0.5 * pow2(-Double(max(days, 0)) / freshnessHalfLifeDays)
            } else {
                freshness = 0.5
            }
            let score = weight(observation.channel) * freshness
            if let current = best, current.score > score || (current.score == score && current.rank < rank) { continue }
            best = (score, rank, observation.channel)
        }
        guard let best else { return Assessment(score: 0, bestChannel: nil) }
        return Assessment(score: best.score, bestChannel: best.channel)
    }

    private static func pow2(_ exponent: Double) -> Double { exp2(exponent) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
