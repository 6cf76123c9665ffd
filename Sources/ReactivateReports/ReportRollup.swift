/// The whole campaign so far: every wave's effect summed (the waves are independent randomizations,
/// so their variances add), as the attribute stage stored it under key `all_waves`.
public struct ReportRollup: Sendable, Equatable {
    /// Waves the roll-up covers.
    public var waves: Int
    /// The wave date the roll-up was stored under (the last wave it covers).
    public var throughWave: String
    /// Whether every covered wave's window is complete.
    public var complete: Bool
    public var observedThrough: String?
    public var row: ReportAttributionRow

    public init(waves: Int, throughWave: String, complete: Bool, observedThrough: String?, row: ReportAttributionRow) {
        self.waves = waves
        self.throughWave = throughWave
        self.complete = complete
        self.observedThrough = observedThrough
        self.row = row
    }
}
