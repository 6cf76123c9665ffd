/// A member's BG/NBD inputs in days, from purchase days before D.
public struct PurchaseHistory: Sendable, Equatable {
    /// Repeat purchase days: purchase days − 1.
    public var frequency: Int
    /// Days from the first to the last purchase day.
    public var recencyDays: Int
    /// Days from the first purchase day to D.
    public var tenureDays: Int
    /// Days from the last purchase day to D.
    public var daysSinceLast: Int

    /// nil when the member never bought (no purchase day).
    public init?(firstDay: Int32, lastDay: Int32, purchaseDays: Int32, asOfDay: Int32) {
        guard purchaseDays > 0, firstDay <= lastDay, lastDay < asOfDay else { return nil }
        frequency = Int(purchaseDays) - 1
        recencyDays = Int(lastDay - firstDay)
        tenureDays = Int(asOfDay - firstDay)
        daysSinceLast = Int(asOfDay - lastDay)
    }
}
