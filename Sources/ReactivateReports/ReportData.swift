/// Everything the analyst report shows, already computed by the pipeline.
///
/// The renderer only formats: keeping the numbers out of it means the HTML, CSV and Markdown
/// can never disagree with each other or with the attribution tables.
public struct ReportData: Sendable, Equatable {
    /// Campaign name, shown in the title.
    public var campaign: String
    /// ISO 8601 time the numbers were produced; the only timestamp in the output, so output stays reproducible.
    public var generatedAt: String
    /// Waves in the order the pipeline gives them.
    public var waves: [ReportWave]
    /// The business time zone every time is shown in (times arrive as ISO 8601 with that zone's offset).
    public var businessTimeZone: String?
    /// The whole campaign so far (attribution level "campaign", key "all_waves"); nil until every wave was attributed together.
    public var rollup: ReportRollup?

    public init(campaign: String, generatedAt: String, waves: [ReportWave]) {
        self.campaign = campaign
        self.generatedAt = generatedAt
        self.waves = waves
    }
}

/// One issuing wave: its attribution at three levels, its daily curves, funnel and power.
public struct ReportWave: Sendable, Equatable {
    /// The wave's as-of date, YYYY-MM-DD.
    public var wave: String
    /// ISO 8601 time the coupons went out.
    public var issuedAt: String
    /// Length of the measurement window in days.
    public var windowDays: Int
    /// False while the window is still running: every number is then provisional.
    public var complete: Bool
    /// Confidence level of every interval, e.g. 0.95.
    public var confidence: Double
    /// Campaign-level row (level "campaign", key "all").
    public var headline: ReportAttributionRow
    /// One row per store (key = store id, label = store name, which may be Chinese).
    public var stores: [ReportAttributionRow]
    /// One row per segment (key e.g. "dormant_6_12m").
    public var segments: [ReportAttributionRow]
    /// Cumulative outcomes per arm by day since issue.
    public var daily: [ReportDailyPoint]
    /// Funnel steps in order, from all members down to the two arms.
    public var funnel: [ReportFunnelStep]
    /// Pre-issue power analysis; nil when none was run.
    public var power: ReportPower?
    /// Outcomes were observed before this date's midnight (YYYY-MM-DD, business time zone).
    public var observedThrough: String?
    /// Coupons the wave issued.
    public var coupons: Int64?
    /// The settings the wave was targeted and issued with.
    public var parameters: ReportParameters?
    /// Checks of the experiment itself: holdout balance and contamination of the control arm.
    public var diagnostics: ReportDiagnostics?

    public init(
        wave: String, issuedAt: String, windowDays: Int, complete: Bool, confidence: Double,
        headline: ReportAttributionRow, stores: [ReportAttributionRow], segments: [ReportAttributionRow],
        daily: [ReportDailyPoint], funnel: [ReportFunnelStep], power: ReportPower?
    ) {
        self.wave = wave
        self.issuedAt = issuedAt
        self.windowDays = windowDays
        self.complete = complete
        self.confidence = confidence
        self.headline = headline
        self.stores = stores
        self.segments = segments
        self.daily = daily
        self.funnel = funnel
        self.power = power
    }
}

/// Treatment-vs-control attribution for one group of members.
///
/// Optionals are nil when the estimate is not estimable (an empty arm, no variance);
/// every output shows them as "n/a" (an empty field in CSV), never as NaN or a blank.
public struct ReportAttributionRow: Sendable, Equatable {
    /// "campaign", "store" or "segment".
    public var level: String
    /// Stable identifier: "all", a store id or a segment key.
    public var key: String
    /// Human-readable name; untrusted text, always escaped.
    public var label: String
    public var nTreatment: Int64
    public var nControl: Int64
    public var reactivatedTreatment: Int64
    public var reactivatedControl: Int64
    /// Arm sales totals in yuan.
    public var salesTreatment: Double
    public var salesControl: Double
    /// Difference of reactivation rates (0.05 = 5 points) and its interval.
    public var reactivationLift: Double?
    public var reactivationCILow: Double?
    public var reactivationCIHigh: Double?
    /// Treatment minus control sales per member, yuan.
    public var salesPerMemberDifference: Double?
    /// Incremental sales in yuan (difference per member × treated) and its interval.
    public var incrementalSales: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    /// The same, variance-reduced with the pre-period covariate (CUPED).
    public var cupedIncrementalSales: Double?
    public var cupedCILow: Double?
    public var cupedCIHigh: Double?
    public var redemptions: Int64
    /// Coupon cost in yuan.
    public var couponCost: Double
    /// Incremental sales less coupon cost, yuan, and its interval.
    public var netIncrementalSales: Double?
    public var netCILow: Double?
    public var netCIHigh: Double?
    /// Incremental sales per yuan of coupon cost.
    public var returnPerCost: Double?
    /// The sales interval divided by the (exactly known) coupon cost.
    public var returnCILow: Double? = nil
    public var returnCIHigh: Double? = nil
    /// Confidence level the row's intervals were computed at, as stored with them; nil for older rows.
    public var ciLevel: Double? = nil
    /// `[attribution] gross_margin` used for the profit; nil when none was configured.
    public var grossMargin: Double? = nil
    /// Gross margin × incremental sales − coupon cost, yuan, and its interval.
    public var incrementalProfit: Double? = nil
    public var profitCILow: Double? = nil
    public var profitCIHigh: Double? = nil

    public init(
        level: String, key: String, label: String,
        nTreatment: Int64, nControl: Int64, reactivatedTreatment: Int64, reactivatedControl: Int64,
        salesTreatment: Double, salesControl: Double,
        reactivationLift: Double?, reactivationCILow: Double?, reactivationCIHigh: Double?,
        salesPerMemberDifference: Double?,
        incrementalSales: Double?, ciLow: Double?, ciHigh: Double?,
        cupedIncrementalSales: Double?, cupedCILow: Double?, cupedCIHigh: Double?,
        redemptions: Int64, couponCost: Double,
        netIncrementalSales: Double?, netCILow: Double?, netCIHigh: Double?,
        returnPerCost: Double?
    ) {
        self.level = level
        self.key = key
        self.label = label
        self.nTreatment = nTreatment
        self.nControl = nControl
        self.reactivatedTreatment = reactivatedTreatment
        self.reactivatedControl = reactivatedControl
        self.salesTreatment = salesTreatment
        self.salesControl = salesControl
        self.reactivationLift = reactivationLift
        self.reactivationCILow = reactivationCILow
        self.reactivationCIHigh = reactivationCIHigh
        self.salesPerMemberDifference = salesPerMemberDifference
        self.incrementalSales = incrementalSales
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.cupedIncrementalSales = cupedIncrementalSales
        self.cupedCILow = cupedCILow
        self.cupedCIHigh = cupedCIHigh
        self.redemptions = redemptions
        self.couponCost = couponCost
        self.netIncrementalSales = netIncrementalSales
        self.netCILow = netCILow
        self.netCIHigh = netCIHigh
        self.returnPerCost = returnPerCost
    }
}

/// Cumulative outcome of one arm on one day since issue.
public struct ReportDailyPoint: Sendable, Equatable {
    /// Days since issue, starting at 1.
    public var day: Int
    /// "treatment" or "control".
    public var arm: String
    /// Members in the arm (the denominator of both curves).
    public var members: Int64
    /// Sales since issue in yuan.
    public var cumulativeSales: Double
    /// Members who bought at least once since issue.
    public var cumulativeReactivated: Int64

    public init(day: Int, arm: String, members: Int64, cumulativeSales: Double, cumulativeReactivated: Int64) {
        self.day = day
        self.arm = arm
        self.members = members
        self.cumulativeSales = cumulativeSales
        self.cumulativeReactivated = cumulativeReactivated
    }
}

/// One funnel stage and how many members survived it.
public struct ReportFunnelStep: Sendable, Equatable {
    public var step: String
    public var members: Int

    public init(step: String, members: Int) {
        self.step = step
        self.members = members
    }
}

/// The smallest effects the arm sizes could detect, computed before issue.
public struct ReportPower: Sendable, Equatable {
    public var treatment: Int
    public var control: Int
    /// Expected reactivation rate without a coupon.
    public var baselineRate: Double
    /// Minimum detectable difference of reactivation rates.
    public var mdeReactivationRate: Double?
    /// Minimum detectable difference of sales per member, yuan.
    public var mdeSalesPerMember: Double?
    /// The lift the campaign was planned for, as a difference of rates.
    public var expectedLift: Double
    /// Set when the design is underpowered.
    public var warning: String?

    public init(
        treatment: Int, control: Int, baselineRate: Double, mdeReactivationRate: Double?,
        mdeSalesPerMember: Double?, expectedLift: Double, warning: String?
    ) {
        self.treatment = treatment
        self.control = control
        self.baselineRate = baselineRate
        self.mdeReactivationRate = mdeReactivationRate
        self.mdeSalesPerMember = mdeSalesPerMember
        self.expectedLift = expectedLift
        self.warning = warning
    }
}
