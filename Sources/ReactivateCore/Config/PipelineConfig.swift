/// Everything one campaign's pipeline needs to know, typed and validated.
///
/// Built from `pipelines/<campaign>.toml` by ``load(text:fileName:)``; every key not in the file
/// takes the default shown in ``defaults(campaign:)``. Field names are the SPEC's snake_case keys
/// in camelCase, with units spelled out (`radiusMeters`) and money in integer cents so sums and
/// comparisons are exact.
public struct PipelineConfig: Sendable, Equatable {
    // MARK: top level

    /// `campaign`: the campaign name used in result tables and the holdout hash.
    public var campaign: String
    /// `description`: free text for people; named so it cannot clash with `CustomStringConvertible`.
    public var campaignDescription: String?

    // MARK: [source]

    /// `source.schema`: schema holding the source tables; a plain SQL identifier, quoted by the pipeline.
    public var sourceSchema: String
    /// `source.business_timezone`: IANA zone whose midnight starts a business day; checked by the DB later.
    public var businessTimeZone: String
    /// `source.max_lag_days`: how many days the latest transaction may lie before a live run's cut-off
    /// before the source checks call the feed late (an error for live runs, a warning otherwise).
    public var maxLagDays: Int
    /// `source.median_basket_band` in cents: the plausible range of the median positive transaction
    /// amount; outside it the source checks stop the run ("amounts may be in cents").
    public var medianBasketBandCents: ClosedRange<Int64>
    /// `source.shards`: `auto` reads a member-sharded source (hash partitions on foreign servers,
    /// Citus) shard by shard, straight from each server; `off` reads everything through the one
    /// server `DATABASE_URL` names, as a plain query would.
    public var sourceShards: SourceShards = .auto
    /// `[shards.servers]`: a foreign server's name → the libpq connection string to reach it with,
    /// when the catalog's host, port, dbname and user mapping are not how this host should connect.
    public var shardServers: [String: String] = [:]

    // MARK: [dormancy]

    /// `dormancy.dormant_days`: days since the last purchase day that make a member dormant.
    public var dormantDays: Int
    /// `dormancy.horizon_days`: BG/NBD prediction horizon for expected purchases.
    public var horizonDays: Int
    /// `dormancy.score_all`: write scores for every member, not only dormant ones.
    public var scoreAll: Bool
    /// `dormancy.pre_period_days`: covariate window (CUPED pre-period sales).
    public var prePeriodDays: Int

    // MARK: [target]

    /// `target.radius_m`: maximum great-circle distance to an open store, in metres.
    public var radiusMeters: Double
    /// `target.location_freshness_days`: how old a member's latest location may be.
    public var locationFreshnessDays: Int
    /// `target.max_per_store`: per-store quota; nil means no quota.
    public var maxPerStore: Int?
    /// `target.min_p_alive`: minimum BG/NBD P(alive) to be targeted.
    public var minPAlive: Double
    /// `target.min_reachability`: minimum reachability score to be targeted.
    public var minReachability: Double
    /// `target.cooldown_days`: no coupon to a member who got one from any campaign this recently.
    public var cooldownDays: Int
    /// `target.protect_open_experiments`: never target a member who is in the control arm of any
    /// campaign's wave whose outcome window is still open, so one campaign cannot spoil another's holdout.
    public var protectOpenExperiments: Bool
    /// `target.channels`: usable channels in order of preference; non-empty, no duplicates.
    public var channels: [MarketingChannel]

    // MARK: [holdout]

    /// `holdout.fraction` (SPEC `holdout_fraction`): share of targets kept as control.
    public var holdoutFraction: Double
    /// `holdout.global_fraction`: share of all members never treated by any campaign.
    public var globalHoldoutFraction: Double
    /// `holdout.key`: secret key of the keyed arm hash, 32 lowercase hex digits (16 bytes).
    public var holdoutKey: String

    // MARK: [coupon]

    /// `coupon.face_value` in cents.
    public var faceValueCents: Int64
    /// `coupon.min_spend` in cents: minimum basket for the coupon to apply.
    public var minSpendCents: Int64
    /// `coupon.valid_days`: days from issue until the coupon expires.
    public var validDays: Int
    /// `coupon.max_coupons`: per-wave cap on coupons issued; nil means none.
    public var maxCoupons: Int?
    /// `coupon.max_face_value_total` in cents: per-wave cap on total face value; nil means none.
    public var maxFaceValueTotalCents: Int64?

    // MARK: [attribution]

    /// `attribution.window_days`: outcome window from issue time.
    public var windowDays: Int
    /// `attribution.expected_lift`: expected reactivation-rate lift, for the power warning.
    public var expectedLift: Double
    /// `attribution.confidence`: confidence level of reported intervals.
    public var confidence: Double
    /// `attribution.gross_margin`: share of sales kept as gross profit (0 < m ≤ 1), so incremental profit
    /// = m × incremental sales − redeemed face value can be reported; nil (the default) reports no profit.
    public var grossMargin: Double?

    // MARK: [output]

    /// `output.artifact_dir`: where stage artifacts and delivery files go.
    public var artifactDir: String

    /// The documented default `holdout.key`. It is public knowledge, so anyone could recompute
    /// the arms; set your own key in production.
    public static let defaultHoldoutKey = "5f1d3c9a7e2b4d6f8a0c1e3b5d7f9a2c"

    /// The configuration a file containing only `campaign = "<campaign>"` yields.
    /// Does not validate `campaign`; ``load(text:fileName:)`` does.
    public static func defaults(campaign: String) -> PipelineConfig {
        PipelineConfig(
            campaign: campaign,
            campaignDescription: nil,
            sourceSchema: "src",
            businessTimeZone: "Asia/Shanghai",
            maxLagDays: 2,
            medianBasketBandCents: 100...2_000_000,
            dormantDays: 180,
            horizonDays: 30,
            scoreAll: false,
            prePeriodDays: 365,
            radiusMeters: 3000,
            locationFreshnessDays: 90,
            maxPerStore: nil,
            minPAlive: 0,
            minReachability: 0,
            cooldownDays: 30,
            protectOpenExperiments: true,
            channels: [.wechatCard, .wechatOA, .sms, .momentsAd],
            holdoutFraction: 0.10,
            globalHoldoutFraction: 0,
            holdoutKey: defaultHoldoutKey,
            faceValueCents: 2000,
            minSpendCents: 10000,
            validDays: 30,
            maxCoupons: nil,
            maxFaceValueTotalCents: nil,
            windowDays: 30,
            expectedLift: 0.02,
            confidence: 0.95,
            grossMargin: nil,
            artifactDir: "artifacts")
    }

    /// The 16 key bytes of ``holdoutKey`` for the keyed hash.
    public var holdoutKeyBytes: [UInt8] {
        var bytes: [UInt8] = []
        var pending: UInt8?
        for scalar in holdoutKey.unicodeScalars {
            guard let nibble = UInt8(String(scalar), radix: 16) else { return [] }
            if let high = pending {
                bytes.append(high << 4 | nibble)
                pending = nil
            } else {
                pending = nibble
            }
        }
        return bytes
    }
}

/// `source.shards`: whether a member-sharded source is read shard by shard from its servers.
public enum SourceShards: String, Sendable, Equatable {
    /// Shards found in the catalog are read straight from their servers; plain tables as today.
    case auto
    /// Everything is read through the configured server, as a plain query would.
    case off
}
