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

    /// The power verdict in a line, for the headline card next to the reactivation estimate.
    static func powerNoteOnLift(_ power: ReportPower) -> (text: String, underpowered: Bool) {
        let expected = ReportNumber.points(power.expectedLift)
        guard let mde = ReportFacts.finite(power.mdeReactivationRate) else {
            return ("Power unknown: no minimum detectable lift was computed.", true)
        }
        let detectable = ReportNumber.points(mde)
        if mde <= power.expectedLift {
            return ("Powered for the planned \(expected) (detects \(detectable) or more).", false)
        }
        return ("Underpowered: detects only \(detectable) or more; planned for \(expected).", true)
    }

    /// The smallest incremental sales the arms could detect, for the headline card next to the sales estimate.
    static func powerNoteOnSales(_ power: ReportPower, treated: Int64) -> (text: String, underpowered: Bool) {
        let lift = powerNoteOnLift(power)
        guard let perMember = ReportFacts.finite(power.mdeSalesPerMember) else { return lift }
        let total = perMember * Double(treated)
        let prefix = lift.underpowered ? "Underpowered design: " : "Design "
        return (prefix + "detects incremental sales of \(ReportNumber.yuan(total, decimals: 0)) or more "
            + "(\(ReportNumber.yuan(perMember)) per treated member).", lift.underpowered)
    }

    /// How many of `count` intervals at `level` would exclude zero by chance alone, and how many do.
    static func multiplicity(count: Int, excludingZero: Int, confidence: Double, what: String) -> String {
        let level = ReportNumber.confidenceLabel(confidence)
        let chance = Double(count) * (1 - confidence)
        let expected = ReportNumber.fixed(chance, chance < 10 ? 1 : 0) ?? "0"
        return "With \(count) \(what) intervals at \(level), about \(expected) would exclude zero by chance even if the coupon "
            + "did nothing; \(excludingZero) do here. Treat a single \(what) that stands out with care: it may be one of those."
    }

    /// The holdout balance check in words.
    static func balance(pValue: Double?) -> String {
        guard let p = ReportFacts.finite(pValue) else { return "No balance test was recorded for this wave." }
        if p < 0.01 {
            return "The arms' shares differ across stores more than chance allows (p = \(pText(p))): check the holdout assignment before trusting store-level numbers."
        }
        return "The arms' shares across stores are as balanced as a random split would be (p = \(pText(p)))."
    }

    /// Control members reached by other coupons: their outcomes are no longer "no coupon".
    static func contamination(received: Int64?, redeemed: Int64?, control: Int64?) -> String {
        guard let received, let control else { return "Contamination was not counted." }
        if received == 0 { return "No control member received another campaign's coupon inside the window." }
        let share = ReportNumber.percent(ReportFacts.rate(received, of: control), decimals: 1)
        return "\(ReportNumber.count(received)) control members (\(share) of \(ReportNumber.count(control))) received another campaign's "
            + "coupon inside the window; \(ReportNumber.count(redeemed ?? 0)) redeemed it. Their sales push the control arm up, "
            + "so incremental sales are, if anything, understated."
    }

    private static func pText(_ p: Double) -> String {
        p < 0.001 ? "< 0.001" : (ReportNumber.fixed(p, 3) ?? "n/a")
    }

    /// What each headline quantity means, in the order of the cards.
    static func definitions(windowDays: Int, faceValue: Double?, grossMargin: Double?) -> [(term: String, meaning: String)] {
        let face = faceValue.map { " (" + ReportNumber.yuan($0) + " each)" } ?? ""
        var terms: [(String, String)] = [
            ("Reactivated", "A member with at least one purchase (a transaction with a positive amount) in the \(windowDays) days after the coupons went out."),
            ("Incremental sales", "Intention to treat: all sales of every treated member in the window, whether or not they used the coupon, "
                + "minus what the control arm's sales per member predict for them: (mean sales treatment − mean sales control) × treated members."),
            ("Confidence interval", "Welch's interval for the difference of mean sales per member, scaled to the treated members."),
            ("CUPED", "The same comparison with each member's pre-period sales used as a covariate: it removes noise that existed "
                + "before the coupon, so its interval is narrower; the effect it estimates is the same."),
            ("Net incremental sales", "Incremental sales minus the face value of the redeemed coupons\(face); coupons not redeemed cost nothing."),
            ("Return per coupon yuan", "Incremental sales divided by the face value redeemed; its interval is the sales interval divided by that cost."),
            ("Reactivation lift", "Reactivation rate of treatment minus control, in percentage points (Newcombe interval)."),
        ]
        if let grossMargin {
            terms.insert(
                ("Incremental profit", "Gross margin (\(ReportNumber.percent(grossMargin, decimals: 0))) × incremental sales − redeemed face value."),
                at: 5)
        }
        return terms
    }
}
