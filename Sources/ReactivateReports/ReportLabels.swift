/// Words for the pipeline's machine names, so a reader sees "Not in the global holdout", not `not_in_global_holdout`.
///
/// Unknown names are shown as they are (underscores as spaces), so a new funnel step still reads.
enum ReportLabels {
    static func funnelStep(_ step: String) -> String {
        switch step {
        case "members": "All members"
        case "buyers": "Bought at least once"
        case "dormant": "Dormant (no purchase for the dormancy days)"
        case "reachable": "Reachable (consent, a healthy channel)"
        case "scored": "Scored"
        case "passes_thresholds": "Passes P(alive) and reachability thresholds"
        case "not_in_cooldown": "No coupon in the cooldown days"
        case "not_in_open_experiment": "Not in another wave's open control arm"
        case "not_in_global_holdout": "Not in the global holdout"
        case "fresh_valid_location": "Recent valid location"
        case "in_radius": "Within the radius of an open store"
        case "eligible", "targeted": "Targeted"
        case "treatment": "Treatment (coupon)"
        case "control": "Control (holdout, no coupon)"
        default: plain(step)
        }
    }

    static func segment(_ key: String) -> String {
        switch key {
        case "active": "Active"
        case "dormant_6_12m": "Dormant 6–12 months"
        case "dormant_12_24m": "Dormant 12–24 months"
        case "dormant_24m_plus": "Dormant 24+ months"
        case "never_activated": "Never bought"
        case "unknown": "Segment unknown"
        default: plain(key)
        }
    }

    /// Segments in order of how long the members have slept, unknown ones last by key.
    static func segmentRank(_ key: String) -> Int {
        ["active", "dormant_6_12m", "dormant_12_24m", "dormant_24m_plus", "never_activated"].firstIndex(of: key) ?? 99
    }

    /// `some_name` → "Some name".
    private static func plain(_ name: String) -> String {
        let spaced = String(name.map { $0 == "_" ? " " : $0 })
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }
}
