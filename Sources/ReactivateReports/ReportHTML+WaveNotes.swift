/// The blocks that say what a wave's numbers mean and whether its experiment held.
extension ReportHTML {
    /// The settings the wave ran with, and through when its outcomes were observed.
    static func parameters(_ wave: ReportWave, zone: String?) -> HTML {
        var rows: [(String, String)] = [
            ("Coupons issued", ReportTime.display(wave.issuedAt, zone: zone)),
            ("Outcomes observed through", wave.observedThrough.map { "\($0) (outcomes before that day's midnight\(zone.map { ", \($0)" } ?? ""))" } ?? ReportNumber.notAvailable),
        ]
        if let coupons = wave.coupons { rows.append(("Coupons", ReportNumber.count(coupons))) }
        if let p = wave.parameters {
            func days(_ value: Int?) -> String { value.map { "\($0) days" } ?? ReportNumber.notAvailable }
            rows += [
                ("Dormant after", days(p.dormantDays)),
                ("Radius around an open store", p.radiusMeters.map { (ReportNumber.grouped($0, 0) ?? "") + " m" } ?? ReportNumber.notAvailable),
                ("Coupon face value", ReportNumber.yuan(p.faceValue)),
                ("Minimum spend", ReportNumber.yuan(p.minSpend)),
                ("Coupon valid for", days(p.validDays)),
                ("Holdout share (control)", ReportNumber.percent(p.holdoutFraction, decimals: 1)),
                ("Cooldown after another coupon", days(p.cooldownDays)),
                ("Outcome window", days(p.windowDays ?? wave.windowDays)),
            ]
        }
        var html: HTML = "<table class=\"facts\"><tbody>"
        for (name, value) in rows { html += "<tr><th scope=\"row\">\(name)</th><td>\(value)</td></tr>" }
        html += "</tbody></table>"
        if wave.parameters?.fromCurrentConfig == true {
            html += "<p class=\"hint\">The wave's run recorded no settings; these are the current config's.</p>"
        }
        return html
    }

    static func definitions(_ wave: ReportWave) -> HTML {
        var html: HTML = "<dl class=\"definitions\">"
        for (term, meaning) in ReportText.definitions(
            windowDays: wave.windowDays, faceValue: wave.parameters?.faceValue, grossMargin: wave.headline.grossMargin)
        {
            html += "<dt>\(term)</dt><dd>\(meaning)</dd>"
        }
        return html + "</dl>"
    }

    static func diagnostics(_ diagnostics: ReportDiagnostics?) -> HTML {
        guard let d = diagnostics else { return "<p class=\"empty\">No diagnostics for this wave.</p>" }
        var html: HTML = "<table class=\"facts\"><tbody>"
        let chi = ReportNumber.fixed(d.balanceChiSquare, 2).map { value in
            value + (d.balanceDegreesOfFreedom.map { " on \($0) degrees of freedom" } ?? "")
        }
        let rows: [(String, String)] = [
            ("Holdout balance across stores (chi-square)", chi ?? ReportNumber.notAvailable),
            ("Balance p-value", ReportNumber.fixed(d.balancePValue, 3) ?? ReportNumber.notAvailable),
            ("Control members with another campaign's coupon in the window", d.controlWithOtherCoupon.map { ReportNumber.count($0) } ?? ReportNumber.notAvailable),
            ("… of whom redeemed it in the window", d.controlRedeemedOtherCoupon.map { ReportNumber.count($0) } ?? ReportNumber.notAvailable),
        ]
        for (name, value) in rows { html += "<tr><th scope=\"row\">\(name)</th><td>\(value)</td></tr>" }
        html += "</tbody></table>"
        html += "<p>\(ReportText.balance(pValue: d.balancePValue))</p>"
        html += "<p>\(ReportText.contamination(received: d.controlWithOtherCoupon, redeemed: d.controlRedeemedOtherCoupon, control: d.controlMembers))</p>"
        return html
    }
}
