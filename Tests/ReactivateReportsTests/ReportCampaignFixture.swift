import ReactivateReports

extension ReportFixture {
    /// A two-wave campaign as the analyst sees it after migration 0006: 113 stores per wave, a gross margin,
    /// the whole-campaign roll-up, recorded parameters, diagnostics and the business time zone.
    static func campaign(stores count: Int = 113) -> ReportData {
        var data = sample()
        data.businessTimeZone = "Asia/Shanghai"
        data.generatedAt = "2026-12-02T09:30:00+08:00"
        for index in data.waves.indices {
            var random = ReportFixtureRandom(seed: UInt64(100 + index))
            var wave = data.waves[index]
            wave.stores = (0..<count).map { storeIndex in
                let name = storeNames[storeIndex % storeNames.count] + (storeIndex >= storeNames.count ? " \(storeIndex / storeNames.count + 1)号" : "")
                var row = store(index: storeIndex, name: name, random: &random)
                row.key = String(1000 + storeIndex)
                return withMargin(row)
            } + [noControlStore()]
            wave.headline = withMargin(wave.headline)
            wave.segments = wave.segments.map { withMargin($0) }
            wave.observedThrough = wave.complete ? "2026-12-02" : "2026-11-13"
            wave.coupons = wave.headline.nTreatment - 120
            wave.parameters = ReportParameters(
                dormantDays: 180, radiusMeters: 3000, faceValue: 20, minSpend: 100, validDays: 30, holdoutFraction: 0.1,
                cooldownDays: 30, windowDays: 30, fromCurrentConfig: false)
            wave.diagnostics = ReportDiagnostics(
                balanceChiSquare: 27.41, balanceDegreesOfFreedom: 29, balancePValue: 0.551,
                controlWithOtherCoupon: index == 0 ? 0 : 38, controlRedeemedOtherCoupon: index == 0 ? 0 : 4, controlMembers: wave.headline.nControl)
            wave.funnel = [
                ReportFunnelStep(step: "members", members: 200_000), ReportFunnelStep(step: "buyers", members: 161_234),
                ReportFunnelStep(step: "dormant", members: 48_210), ReportFunnelStep(step: "reachable", members: 31_877),
                ReportFunnelStep(step: "passes_thresholds", members: 31_877), ReportFunnelStep(step: "not_in_cooldown", members: 30_002),
                ReportFunnelStep(step: "not_in_global_holdout", members: 30_002), ReportFunnelStep(step: "in_radius", members: 12_000),
                ReportFunnelStep(step: "treatment", members: Int(wave.headline.nTreatment)),
                ReportFunnelStep(step: "control", members: Int(wave.headline.nControl)),
            ]
            data.waves[index] = wave
        }
        var rollup = ReportAttributionRow.fixture(key: "all_waves", incremental: 167_456.78)
        rollup.level = "campaign"
        rollup.label = "All waves"
        rollup.ciLow = 70_000
        rollup.ciHigh = 264_913.56
        rollup.couponCost = 36_891.35
        rollup.netIncrementalSales = 167_456.78 - 36_891.35
        rollup.netCILow = 70_000 - 36_891.35
        rollup.netCIHigh = 264_913.56 - 36_891.35
        rollup.returnPerCost = 167_456.78 / 36_891.35
        data.rollup = ReportRollup(
            waves: 2, throughWave: "2026-11-01", complete: false, observedThrough: "2026-11-13", row: withMargin(rollup))
        return data
    }

    /// The row as the attribute stage stores it with a 25% gross margin: profit and the return's interval.
    static func withMargin(_ row: ReportAttributionRow, margin: Double = 0.25) -> ReportAttributionRow {
        var row = row
        row.ciLevel = 0.95
        row.grossMargin = margin
        row.incrementalProfit = row.incrementalSales.map { margin * $0 - row.couponCost }
        row.profitCILow = row.ciLow.map { margin * $0 - row.couponCost }
        row.profitCIHigh = row.ciHigh.map { margin * $0 - row.couponCost }
        if row.couponCost > 0 {
            row.returnCILow = row.ciLow.map { $0 / row.couponCost }
            row.returnCIHigh = row.ciHigh.map { $0 / row.couponCost }
        }
        return row
    }
}
