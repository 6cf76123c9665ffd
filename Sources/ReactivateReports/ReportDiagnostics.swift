/// Whether the experiment itself held: arms balanced across stores, and control members left alone.
public struct ReportDiagnostics: Sendable, Equatable {
    /// Chi-square test of the arm shares across stores (target stage), and its p-value.
    public var balanceChiSquare: Double?
    public var balanceDegreesOfFreedom: Int?
    public var balancePValue: Double?
    /// Control members who received a coupon of another campaign or wave inside this wave's window.
    public var controlWithOtherCoupon: Int64?
    /// … and of those, how many redeemed it inside the window.
    public var controlRedeemedOtherCoupon: Int64?
    /// Members in the control arm (the denominator of both counts).
    public var controlMembers: Int64?

    public init(
        balanceChiSquare: Double?, balanceDegreesOfFreedom: Int?, balancePValue: Double?,
        controlWithOtherCoupon: Int64?, controlRedeemedOtherCoupon: Int64?, controlMembers: Int64?
    ) {
        self.balanceChiSquare = balanceChiSquare
        self.balanceDegreesOfFreedom = balanceDegreesOfFreedom
        self.balancePValue = balancePValue
        self.controlWithOtherCoupon = controlWithOtherCoupon
        self.controlRedeemedOtherCoupon = controlRedeemedOtherCoupon
        self.controlMembers = controlMembers
    }
}
