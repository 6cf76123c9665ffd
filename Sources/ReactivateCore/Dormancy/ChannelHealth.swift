/// A channel's health as of D, from timestamps before D only (later ones are not visible yet).
///
/// SPEC: usable when verified before D and its last failure is not after its last delivery. A failure
/// with no delivery at all makes the channel failing; a channel never failed and never used is healthy.
public enum ChannelHealth: UInt8, Sendable, Comparable {
    case unavailable = 0
    case failing = 1
    case healthy = 2

    public static func < (lhs: ChannelHealth, rhs: ChannelHealth) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Instants are µs since 2000-01-01 UTC; nil = never.
    public static func judge(verifiedAt: Int64?, deliveredAt: Int64?, failedAt: Int64?, cutoff: Int64) -> ChannelHealth {
        guard let verified = verifiedAt, verified < cutoff else { return .unavailable }
        let delivered = deliveredAt.flatMap { $0 < cutoff ? $0 : nil }
        let failed = failedAt.flatMap { $0 < cutoff ? $0 : nil }
        if let failed, delivered.map({ failed > $0 }) ?? true { return .failing }
        return .healthy
    }
}
