/// Numbers the report shows that the pipeline does not store, derived in one place so that the
/// HTML, CSV and Markdown outputs cannot disagree.
enum ReportFacts {
    /// `count / members`, nil when the arm is empty (a rate of nobody is not estimable).
    static func rate(_ count: Int64, of members: Int64) -> Double? {
        members > 0 ? Double(count) / Double(members) : nil
    }

    /// Reactivated treatment members beyond what the control rate predicts:
    /// reactivatedTreatment − (reactivatedControl / nControl) × nTreatment. Nil without a control arm.
    static func reactivatedAboveControl(_ row: ReportAttributionRow) -> Double? {
        guard let controlRate = rate(row.reactivatedControl, of: row.nControl) else { return nil }
        return Double(row.reactivatedTreatment) - controlRate * Double(row.nTreatment)
    }

    /// The reactivation-lift interval scaled to treated members, so the count above has an interval too.
    static func reactivatedAboveControlInterval(_ row: ReportAttributionRow) -> (low: Double?, high: Double?) {
        let treated = Double(row.nTreatment)
        return (row.reactivationCILow.map { $0 * treated }, row.reactivationCIHigh.map { $0 * treated })
    }

    /// Stores by incremental sales, largest first; not-estimable rows last; ties by key, so the order is reproducible.
    static func sortedByIncrementalSales(_ rows: [ReportAttributionRow]) -> [ReportAttributionRow] {
        rows.sorted { left, right in
            switch (finite(left.incrementalSales), finite(right.incrementalSales)) {
            case let (l?, r?) where l != r: return l > r
            case (.some, .none): return true
            case (.none, .some): return false
            default: return left.key < right.key
            }
        }
    }

    /// Whether an interval lies wholly above zero, wholly below, or straddles it (or is missing).
    static func side(low: Double?, high: Double?) -> ReportIntervalSide {
        guard let low = finite(low), let high = finite(high) else { return .unknown }
        if low > 0 { return .positive }
        if high < 0 { return .negative }
        return .includesZero
    }

    /// The treatment and control points of each day, days ascending; only the known arm names count.
    static func days(_ points: [ReportDailyPoint]) -> [ReportDay] {
        var byDay: [Int: ReportDay] = [:]
        for point in points {
            var day = byDay[point.day] ?? ReportDay(day: point.day)
            switch point.arm.lowercased() {
            case "treatment": if day.treatment == nil { day.treatment = point }
            case "control": if day.control == nil { day.control = point }
            default: continue
            }
            byDay[point.day] = day
        }
        return byDay.values.sorted { $0.day < $1.day }
    }

    /// Last day with data, for "day 12 of 30" while the window is open.
    static func lastDay(_ points: [ReportDailyPoint]) -> Int? {
        points.map(\.day).max()
    }

    /// For each funnel step, the step its percentage is taken against: the previous step, except that
    /// both arms are shares of the step they were split from (control is not a share of treatment).
    static func funnelBases(_ steps: [ReportFunnelStep]) -> [Int?] {
        var bases: [Int?] = []
        var lastNonArm: Int?
        for (index, step) in steps.enumerated() {
            let isArm = ["treatment", "control"].contains(step.step.lowercased())
            bases.append(isArm ? lastNonArm : (index > 0 ? steps[index - 1].members : nil))
            if !isArm { lastNonArm = step.members }
        }
        return bases
    }

    /// Finite values only: NaN and inf are treated as not estimable everywhere.
    static func finite(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }
}

/// Where a confidence interval sits relative to zero, which decides how the report words it.
enum ReportIntervalSide: Sendable {
    case positive, negative, includesZero, unknown
}

/// One day since issue with whichever arms reported that day.
struct ReportDay: Sendable, Equatable {
    var day: Int
    var treatment: ReportDailyPoint?
    var control: ReportDailyPoint?

    /// Cumulative sales per member of an arm, nil when the arm is missing or empty.
    static func salesPerMember(_ point: ReportDailyPoint?) -> Double? {
        guard let point, point.members > 0 else { return nil }
        return ReportFacts.finite(point.cumulativeSales / Double(point.members))
    }

    /// Cumulative reactivation rate of an arm, nil when the arm is missing or empty.
    static func reactivationRate(_ point: ReportDailyPoint?) -> Double? {
        guard let point else { return nil }
        return ReportFacts.rate(point.cumulativeReactivated, of: point.members)
    }
}
