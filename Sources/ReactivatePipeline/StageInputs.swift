import ReactivateCore

// What each stage reads, side by side: its upstream stages and the configuration keys it depends on.
// The runner fingerprints these (with the as-of date and the upstream stages' output tokens) to decide
// whether a stage that already succeeded can be reused.

private func text(_ value: Int?) -> String { value.map(String.init) ?? "none" }
private func text(_ value: Int64?) -> String { value.map(String.init) ?? "none" }

extension ExtractStage {
    public var upstream: [StageName] { [] }
    public func configurationInputs(_ config: PipelineConfig) -> [String: String] {
        [
            "source.schema": config.sourceSchema, "source.business_timezone": config.businessTimeZone,
            "dormancy.pre_period_days": String(config.prePeriodDays),
            "target.location_freshness_days": String(config.locationFreshnessDays),
        ]
    }
}

extension ScoreStage {
    public var upstream: [StageName] { [.extract] }
    public func configurationInputs(_ config: PipelineConfig) -> [String: String] {
        [
            "dormancy.dormant_days": String(config.dormantDays), "dormancy.horizon_days": String(config.horizonDays),
            "dormancy.score_all": String(config.scoreAll), "target.channels": config.channels.map(\.rawValue).joined(separator: ","),
        ]
    }
}

extension TargetStage {
    public var upstream: [StageName] { [.extract, .score] }
    /// Reads the score artifact, never member_scores, and a rerun replaces its targets (issue, which
    /// cannot be taken back, waits for score's write): so it may compute while member_scores commits.
    public var runsBesideBackgroundWrites: Bool { true }
    public func configurationInputs(_ config: PipelineConfig) -> [String: String] {
        [
            "campaign": config.campaign, "source.schema": config.sourceSchema,
            "target.radius_m": String(config.radiusMeters), "target.location_freshness_days": String(config.locationFreshnessDays),
            "target.max_per_store": text(config.maxPerStore), "target.min_p_alive": String(config.minPAlive),
            "target.min_reachability": String(config.minReachability), "target.cooldown_days": String(config.cooldownDays),
            "target.protect_open_experiments": String(config.protectOpenExperiments),
            "holdout.fraction": String(config.holdoutFraction), "holdout.global_fraction": String(config.globalHoldoutFraction),
            "holdout.key": config.holdoutKey, "coupon.face_value": String(config.faceValueCents),
            "coupon.max_coupons": text(config.maxCoupons), "coupon.max_face_value_total": text(config.maxFaceValueTotalCents),
            "attribution.window_days": String(config.windowDays), "attribution.expected_lift": String(config.expectedLift),
            "attribution.confidence": String(config.confidence),
        ]
    }
}

extension IssueStage {
    public var upstream: [StageName] { [.target] }
    public func configurationInputs(_ config: PipelineConfig) -> [String: String] {
        [
            "target.cooldown_days": String(config.cooldownDays), "coupon.face_value": String(config.faceValueCents),
            "coupon.min_spend": String(config.minSpendCents), "coupon.valid_days": String(config.validDays),
            "coupon.max_coupons": text(config.maxCoupons), "coupon.max_face_value_total": text(config.maxFaceValueTotalCents),
            "attribution.window_days": String(config.windowDays),
        ]
    }
}

extension AttributeStage {
    public var upstream: [StageName] { [.issue] }
    public func configurationInputs(_ config: PipelineConfig) -> [String: String] {
        [
            "source.schema": config.sourceSchema, "attribution.window_days": String(config.windowDays),
            "attribution.confidence": String(config.confidence),
            "attribution.gross_margin": config.grossMargin.map { String($0) } ?? "none",
        ]
    }
}
