/// Where a member stands on the as-of date, by days since the last purchase day.
///
/// Never-activated members (no purchase at all) are a segment of their own and never dormant: they
/// were never awake, so "reactivation" does not describe what a coupon would do for them.
public enum DormancySegment: String, Sendable, CaseIterable, Codable {
    case active
    case dormant6To12Months = "dormant_6_12m"
    case dormant12To24Months = "dormant_12_24m"
    case dormant24MonthsPlus = "dormant_24m_plus"
    case neverActivated = "never_activated"

    /// Classifies by days since the last purchase day (nil = never bought).
    ///
    /// The first dormant segment starts at `dormantDays` (default 180) whatever its label says, so a
    /// pipeline with a different threshold still puts every dormant member in a dormant segment.
    public static func classify(daysSinceLast: Int?, dormantDays: Int) -> DormancySegment {
        guard let days = daysSinceLast else { return .neverActivated }
        if days < dormantDays { return .active }
        if days < max(365, dormantDays) { return .dormant6To12Months }
        if days < max(730, dormantDays) { return .dormant12To24Months }
        return .dormant24MonthsPlus
    }

    public var isDormant: Bool {
        switch self {
        case .dormant6To12Months, .dormant12To24Months, .dormant24MonthsPlus: true
        case .active, .neverActivated: false
        }
    }
}
