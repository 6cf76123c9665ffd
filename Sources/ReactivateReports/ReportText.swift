/// Explanatory sentences shared by the HTML and Markdown reports, so both say exactly the same thing.
///
/// Returned text contains no data strings, so it needs no escaping in either format.
enum ReportText {
    /// The one-sentence reading guide for confidence intervals, at the report's confidence level.
    static func howToReadCI(_ level: String) -> String {
        "If the campaign were repeated many times, \(level) of intervals computed this way would contain the true effect; "
            + "an interval that includes 0 means the effect is not distinguishable from no effect."
    }

    /// What the funnel percentages are taken against (see `ReportFacts.funnelBases`).
    static let funnelNote = "Percentages are of the previous step; treatment and control are shares of the step they were split from."

    /// Whether the arm sizes could detect the lift the campaign was planned for.
    static func powerVerdict(_ power: ReportPower) -> String {
        let expected = ReportNumber.points(power.expectedLift)
        guard let mde = ReportFacts.finite(power.mdeReactivationRate), ReportFacts.finite(power.expectedLift) != nil else {
            return "The minimum detectable reactivation lift is \(ReportNumber.notAvailable), so the design's power is unknown."
        }
        let detectable = ReportNumber.points(mde)
        if mde <= power.expectedLift {
            return "The arms are large enough to detect the expected lift of \(expected) (minimum detectable: \(detectable))."
        }
        return "The arms can only detect a reactivation lift of \(detectable) or more, above the expected \(expected): "
            + "a real effect of the expected size may well come out as not distinguishable from zero."
    }
}
