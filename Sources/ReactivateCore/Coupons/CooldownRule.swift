/// When an earlier coupon keeps a member out of a new wave; the one definition target and issue share.
///
/// A coupon from any other wave issued in the `days` before the new wave's issue time (the interval
/// `(issue − days, issue]`) cools the member down. Anchoring both stages at the issue time keeps a
/// replayed past date consistent: the target stage no longer keeps members the issue stage then skips.
public struct CooldownRule: Sendable, Equatable {
    public let days: Int

    public init(days: Int) { self.days = max(0, days) }

    /// The issue times of earlier coupons that cool a member down, or nil when cooldown is off.
    public func window(anchoredAt issue: Instant) -> (after: Instant, through: Instant)? {
        guard days > 0 else { return nil }
        return (issue.adding(days: -days), issue)
    }

    public func blocks(couponIssuedAt issued: Instant, anchoredAt issue: Instant) -> Bool {
        guard let window = window(anchoredAt: issue) else { return false }
        return issued > window.after && issued <= window.through
    }
}
