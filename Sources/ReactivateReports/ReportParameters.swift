/// The settings a wave was targeted and issued with, as its run recorded them; nil when not recorded.
public struct ReportParameters: Sendable, Equatable {
    public var dormantDays: Int?
    public var radiusMeters: Double?
    /// Coupon face value and minimum spend, yuan.
    public var faceValue: Double?
    public var minSpend: Double?
    public var validDays: Int?
    /// Share of targets kept as control.
    public var holdoutFraction: Double?
    public var cooldownDays: Int?
    public var windowDays: Int?
    /// True when the values come from the current config because the wave's run recorded none.
    public var fromCurrentConfig: Bool

    public init(
        dormantDays: Int?, radiusMeters: Double?, faceValue: Double?, minSpend: Double?, validDays: Int?,
        holdoutFraction: Double?, cooldownDays: Int?, windowDays: Int?, fromCurrentConfig: Bool
    ) {
        self.dormantDays = dormantDays
        self.radiusMeters = radiusMeters
        self.faceValue = faceValue
        self.minSpend = minSpend
        self.validDays = validDays
        self.holdoutFraction = holdoutFraction
        self.cooldownDays = cooldownDays
        self.windowDays = windowDays
        self.fromCurrentConfig = fromCurrentConfig
    }
}
