/// Arms for one campaign; see ``HoldoutAssigner/forCampaign(_:)``.
public struct CampaignHoldout: Sendable {
    public let campaign: String
    public let fraction: Double
    /// SipHash state after the domain byte, length prefix and campaign bytes.
    private let prefix: SipHash24

    init(campaign: String, fraction: Double, prefix: SipHash24) {
        self.campaign = campaign
        self.fraction = fraction
        self.prefix = prefix
    }

    /// The member's arm in this campaign.
    public func arm(memberId: Int64) -> Arm {
        unitValue(memberId: memberId) < fraction ? .control : .treatment
    }

    /// The member's uniform draw in [0, 1) for this campaign.
    public func unitValue(memberId: Int64) -> Double {
        var hasher = prefix
        hasher.append(littleEndian: UInt64(bitPattern: memberId))
        return HoldoutAssigner.unitInterval(hasher.finalize())
    }
}
