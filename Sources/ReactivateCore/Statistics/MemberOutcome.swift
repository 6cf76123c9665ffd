/// One member's contribution to an arm: the outcome, the pre-period covariate and coupon facts.
///
/// Amounts are integer cents so the arm sums stay exact; construction rejects magnitudes above
/// ``maximumMagnitudeCents`` so that the `Int128` sums of squares cannot overflow for any
/// realistic arm size (see ``ArmStatistics``).
public struct MemberOutcome: Sendable, Hashable, Codable {
    /// 10¹² cents (10 billion in currency units): far above any member's sales, small enough that
    /// 10¹⁴ members' squared amounts (10³⁸) still fit in `Int128` (max ≈ 1.7 × 10³⁸).
    public static let maximumMagnitudeCents: Int64 = 1_000_000_000_000

    /// Net sales in the attribution window (Y); negative when refunds exceed purchases.
    public let salesCents: Int64
    /// Net sales in the pre-period (X), the CUPED covariate.
    public let preSalesCents: Int64
    /// At least one purchase in the window.
    public let reactivated: Bool
    /// The member's coupon was used in a transaction.
    public let redeemed: Bool
    /// Face value of the redeemed coupon; 0 when not redeemed.
    public let redeemedFaceValueCents: Int64

    /// - Throws: ``StatisticsInputError`` when an amount exceeds ``maximumMagnitudeCents`` in
    ///   magnitude, the face value is negative, or a face value is given without a redemption.
    public init(
        salesCents: Int64,
        preSalesCents: Int64,
        reactivated: Bool,
        redeemed: Bool = false,
        redeemedFaceValueCents: Int64 = 0
    ) throws(StatisticsInputError) {
        try Self.checkMagnitude(salesCents, "salesCents")
        try Self.checkMagnitude(preSalesCents, "preSalesCents")
        try Self.checkMagnitude(redeemedFaceValueCents, "redeemedFaceValueCents")
        guard redeemedFaceValueCents >= 0 else {
            throw StatisticsInputError(
                parameter: "redeemedFaceValueCents", value: "\(redeemedFaceValueCents)",
                requirement: "non-negative")
        }
        guard redeemed || redeemedFaceValueCents == 0 else {
            throw StatisticsInputError(
                parameter: "redeemedFaceValueCents", value: "\(redeemedFaceValueCents)",
                requirement: "0 when the coupon was not redeemed")
        }
        self.salesCents = salesCents
        self.preSalesCents = preSalesCents
        self.reactivated = reactivated
        self.redeemed = redeemed
        self.redeemedFaceValueCents = redeemedFaceValueCents
    }

    /// Decoding re-runs the same checks as the initializer, so persisted rows cannot bypass them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            salesCents: container.decode(Int64.self, forKey: .salesCents),
            preSalesCents: container.decode(Int64.self, forKey: .preSalesCents),
            reactivated: container.decode(Bool.self, forKey: .reactivated),
            redeemed: container.decode(Bool.self, forKey: .redeemed),
            redeemedFaceValueCents: container.decode(Int64.self, forKey: .redeemedFaceValueCents))
    }

    private static func checkMagnitude(_ value: Int64, _ name: String) throws(StatisticsInputError) {
        guard value.magnitude <= UInt64(maximumMagnitudeCents) else {
            throw StatisticsInputError(
                parameter: name, value: "\(value)",
                requirement: "at most \(maximumMagnitudeCents) cents in magnitude")
        }
    }
}
