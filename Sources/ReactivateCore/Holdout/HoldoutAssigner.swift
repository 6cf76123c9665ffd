/// Decides holdout arms by a keyed hash, so an arm is a pure function of (key, campaign, member id).
///
/// SPEC requires arms stable across waves, reruns and backfills without storing them first; hashing gives
/// that with no state, and SipHash's PRF property makes arms independent of anything in the data (member
/// ids, signup order), so the control group is a genuine random sample.
///
/// Exact encodings (so the arms can be recomputed in SQL or Python):
/// - campaign arm: SipHash-2-4 over `0x01 ‖ len ‖ campaign ‖ id`, where `len` is the campaign's UTF-8 byte
///   count as a little-endian `UInt64`, `campaign` its UTF-8 bytes (no Unicode normalisation, so use
///   ASCII campaign slugs), `id` the member id as a little-endian two's-complement `Int64`;
/// - global holdout: SipHash-2-4 over `0x02 ‖ id`.
///
/// The leading domain byte keeps the two families disjoint (no campaign name can produce the global
/// input) and the length prefix keeps (campaign, id) pairs unambiguous. The hash `h` maps to
/// `u = (h >> 11) · 2⁻⁵³ ∈ [0, 1)` (top 53 bits, exactly representable); the member is control iff `u < fraction`.
public struct HoldoutAssigner: Sendable {
    /// The key every decision is made under.
    public let key: HoldoutKey
    /// Share of each campaign's targets held out as control, in 0...1.
    public let fraction: Double

    /// Why an assigner could not be created.
    public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        case fractionOutOfRange(Double)

        public var description: String {
            switch self {
            case .fractionOutOfRange(let value):
                return "holdout fraction must be a number from 0 to 1 (e.g. 0.10 for 10%), got \(value)"
            }
        }
    }

    /// Domain byte for per-campaign arms.
    static let campaignDomain: UInt8 = 0x01
    /// Domain byte for the cross-campaign global holdout.
    static let globalDomain: UInt8 = 0x02

    /// - Parameters:
    ///   - key: the holdout key: `holdout.key`, whose one default is ``PipelineConfig/defaultHoldoutKey``.
    ///   - fraction: control share in 0...1; anything else (including NaN) is a configuration error.
    public init(key: HoldoutKey, fraction: Double) throws(ConfigurationError) {
        guard fraction >= 0, fraction <= 1 else { throw .fractionOutOfRange(fraction) }
        self.key = key
        self.fraction = fraction
    }

    /// The member's arm in `campaign`: control iff ``unitValue(campaign:memberId:)`` `< fraction`.
    public func arm(campaign: String, memberId: Int64) -> Arm {
        forCampaign(campaign).arm(memberId: memberId)
    }

    /// The member's uniform draw in [0, 1) for `campaign`, the number the arm is decided on.
    public func unitValue(campaign: String, memberId: Int64) -> Double {
        forCampaign(campaign).unitValue(memberId: memberId)
    }

    /// True when the member belongs to the global holdout of the given size: such members are never
    /// treated by any campaign.
    ///
    /// The draw uses its own domain byte, so it is independent of every campaign's arm; with `fraction`
    /// outside 0...1 the comparison saturates (≤ 0: nobody, ≥ 1: everybody, NaN: nobody).
    public func isInGlobalHoldout(memberId: Int64, fraction: Double) -> Bool {
        globalUnitValue(memberId: memberId) < fraction
    }

    /// The member's uniform draw in [0, 1) for the global holdout.
    public func globalUnitValue(memberId: Int64) -> Double {
        var hasher = SipHash24(key: key)
        hasher.append(Self.globalDomain)
        hasher.append(littleEndian: UInt64(bitPattern: memberId))
        return Self.unitInterval(hasher.finalize())
    }

    /// The assigner specialised to one campaign: hashes the campaign prefix once, so a loop over millions
    /// of members only hashes the 8 id bytes each. Gives exactly the same arms as ``arm(campaign:memberId:)``.
    public func forCampaign(_ campaign: String) -> CampaignHoldout {
        var hasher = SipHash24(key: key)
        hasher.append(Self.campaignDomain)
        hasher.append(littleEndian: UInt64(campaign.utf8.count))
        hasher.append(contentsOf: campaign.utf8)
        return CampaignHoldout(campaign: campaign, fraction: fraction, prefix: hasher)
    }

    /// Maps a 64-bit hash to [0, 1) using its top 53 bits (every value exact, 1.0 unreachable).
    public static func unitInterval(_ hash: UInt64) -> Double {
        Double(hash >> 11) * 0x1p-53
    }
}
