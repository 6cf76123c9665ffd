import ReactivateCore
/// What `reactivate generate` asks the simulator for: size, seed, as-of date and the latent model's knobs.
///
/// Defaults are tuned so that, on the as-of date, 30–45 % of buyers are dormant (180+ days since their last
/// purchase), 10–15 % of members never bought, and members average 12–13 transactions, like the
/// hypermarket case in the specification. Change a knob and the figures move; `SimulationTests` pins them.
public struct SimulationConfig: Sendable, Equatable {
    /// Number of members; their ids are 1…members.
    public var members: Int
    /// Number of stores; their ids are 1…stores.
    public var stores: Int
    /// The seed every random stream is derived from.
    public var seed: UInt64
    /// The as-of date D, in days since 2000-01-01: history ends at D 00:00 Shanghai time.
    public var asOfDay: Int32
    /// The BG/NBD purchase process and first-purchase behaviour.
    public var purchases: Purchases
    /// Spend per transaction and refunds.
    public var spend: Spend
    /// Joining, consent and home-store shares.
    public var population: Population

    /// The largest member id the id scheme supports: transaction ids are `memberId << 12 | sequence`
    /// and wave transaction ids need two more flag fields above that (see ``WaveScenario``).
    public static let maxMemberId: Int64 = (1 << 40) - 1

    /// Creates a configuration with the tuned default model.
    public init(
        members: Int, stores: Int, seed: UInt64, asOfDay: Int32,
        purchases: Purchases = Purchases(), spend: Spend = Spend(), population: Population = Population()
    ) {
        self.members = members
        self.stores = stores
        self.seed = seed
        self.asOfDay = asOfDay
        self.purchases = purchases
        self.spend = spend
        self.population = population
    }

    /// Throws the first setting that cannot produce a sensible data set, naming it and saying why.
    public func validate() throws(SimulationConfigError) {
        func require(_ condition: Bool, _ field: String, _ reason: String) throws(SimulationConfigError) {
            if !condition { throw SimulationConfigError(field: field, reason: reason) }
        }
        func probability(_ value: Double, _ field: String) throws(SimulationConfigError) {
            try require(value >= 0 && value <= 1, field, "must be a probability in 0...1, got \(value)")
        }
        try require(members >= 0, "members", "must be >= 0, got \(members)")
        try require(Int64(members) <= Self.maxMemberId, "members", "must be <= \(Self.maxMemberId), got \(members)")
        try require(stores >= 1, "stores", "must be >= 1 (members need a store to buy in), got \(stores)")
        try require(stores <= 1_000_000, "stores", "must be <= 1000000, got \(stores)")
        try require(asOfDay > -700_000 && asOfDay < 700_000, "asOfDay", "must be within ±700000 days of 2000-01-01")
        try require(purchases.r > 0 && purchases.r.isFinite, "purchases.r", "must be > 0, got \(purchases.r)")
        try require(purchases.alpha > 0 && purchases.alpha.isFinite, "purchases.alpha", "must be > 0, got \(purchases.alpha)")
        try require(purchases.a > 0 && purchases.a.isFinite, "purchases.a", "must be > 0, got \(purchases.a)")
        try require(purchases.b > 0 && purchases.b.isFinite, "purchases.b", "must be > 0, got \(purchases.b)")
        try probability(purchases.activationProbability, "purchases.activationProbability")
        try probability(purchases.immediateFirstPurchaseProbability, "purchases.immediateFirstPurchaseProbability")
        try require(purchases.meanFirstPurchaseDelayDays >= 0, "purchases.meanFirstPurchaseDelayDays", "must be >= 0")
        try probability(purchases.homeStoreShare, "purchases.homeStoreShare")
        try require(spend.medianMemberMeanSpendCents >= 1, "spend.medianMemberMeanSpendCents", "must be >= 1 cent")
        try require(spend.memberSpreadSigma >= 0, "spend.memberSpreadSigma", "must be >= 0")
        try require(spend.withinMemberSigma >= 0, "spend.withinMemberSigma", "must be >= 0")
        try probability(spend.refundProbability, "spend.refundProbability")
        try probability(spend.partialRefundShare, "spend.partialRefundShare")
        try require(
            spend.maxRefundDelayDays >= 1 && spend.maxRefundDelayDays <= 365, "spend.maxRefundDelayDays",
            "must be between 1 and 365 days, got \(spend.maxRefundDelayDays)")
        try require(
            population.joinWindowDays >= 1 && population.joinWindowDays <= 36_500, "population.joinWindowDays",
            "must be between 1 and 36500 days, got \(population.joinWindowDays)")
        try require(
            population.storeHistoryDays <= 36_500, "population.storeHistoryDays",
            "must be <= 36500 days, got \(population.storeHistoryDays)")
        try require(population.recentJoinBoost >= 0, "population.recentJoinBoost", "must be >= 0")
        try require(
            population.storeHistoryDays >= population.joinWindowDays, "population.storeHistoryDays",
            "must be >= joinWindowDays so that flagship stores are open when the first members join")
        try probability(population.consentProbability, "population.consentProbability")
        try probability(population.optOutProbabilityWithConsent, "population.optOutProbabilityWithConsent")
        try probability(population.optOutProbabilityWithoutConsent, "population.optOutProbabilityWithoutConsent")
        try probability(population.optOutAfterAsOfShare, "population.optOutAfterAsOfShare")
        try probability(population.nullHomeStoreProbability, "population.nullHomeStoreProbability")
        try probability(population.closedStoreProbability, "population.closedStoreProbability")
    }
}

extension SimulationConfig {
    /// The BG/NBD story (Fader, Hardie & Lee 2005), in days.
    ///
    /// Each member draws a purchase rate λ ~ Gamma(shape r, rate α) and a dropout probability
    /// p ~ Beta(a, b). After the first purchase, purchases arrive as a Poisson process with rate λ while the
    /// member is alive; right after each *repeat* purchase the member drops out for good with probability p
    /// (as in the paper's likelihood, the first purchase carries no dropout chance). Defaults: mean λ = r/α
    /// ≈ 0.036/day (one visit per ~27 days), mean p = a/(a+b) ≈ 0.054.
    public struct Purchases: Sendable, Equatable {
        /// Gamma shape of the purchase rate λ.
        public var r: Double = 2.0
        /// Gamma rate of λ, in days (λ has mean r/α per day).
        public var alpha: Double = 55
        /// Beta first shape of the dropout probability p.
        public var a: Double = 0.8
        /// Beta second shape of the dropout probability p.
        public var b: Double = 14
        /// Share of members who ever make a first purchase; the rest are never-activated sign-ups.
        public var activationProbability: Double = 0.88
        /// Share of activated members who buy right at sign-up (joining at the till); others buy later.
        public var immediateFirstPurchaseProbability: Double = 0.6
        /// Mean delay, in days, between joining and the first purchase for those who do not buy at once.
        public var meanFirstPurchaseDelayDays: Double = 10
        /// Share of purchases made in the member's own store while it is open; the rest go to other stores in the city.
        public var homeStoreShare: Double = 0.85

        /// The tuned defaults.
        public init() {}
    }

    /// Spend per transaction: log-normal within a member around a member mean that is itself log-normal.
    public struct Spend: Sendable, Equatable {
        /// Median across members of a member's mean spend per purchase, in cents (150 CNY).
        public var medianMemberMeanSpendCents: Double = 15_000
        /// Log-scale spread of member mean spend across members (0.7 gives a heavy right tail: mean ≈ 192 CNY).
        public var memberSpreadSigma: Double = 0.7
        /// Log-scale spread of one member's purchases around their own mean.
        public var withinMemberSigma: Double = 0.5
        /// Probability that a purchase is later refunded (a negative transaction, a few days later).
        public var refundProbability: Double = 0.03
        /// Share of refunds that return only part of the purchase.
        public var partialRefundShare: Double = 0.2
        /// A refund follows its purchase by 1…maxRefundDelayDays days.
        public var maxRefundDelayDays: Double = 14

        /// The tuned defaults.
        public init() {}
    }

    /// Who joins when, with which consent, and which store chain structure they meet.
    public struct Population: Sendable, Equatable {
        /// Members joined within this many days before D (4 years).
        public var joinWindowDays: Double = 1_461
        /// How much likelier a join just before D is than one at the start of the window, minus one
        /// (1 = twice as likely: join density grows linearly toward D).
        public var recentJoinBoost: Double = 1.0
        /// Stores opened within this many days before D (8 years); city flagships opened before that.
        public var storeHistoryDays: Double = 2_922
        /// Share of members who gave marketing consent at sign-up.
        public var consentProbability: Double = 0.70
        /// Share of consenting members who later opted out (`opted_out_at` set).
        public var optOutProbabilityWithConsent: Double = 0.05
        /// Share of non-consenting members who also have an opt-out on record (always before D).
        public var optOutProbabilityWithoutConsent: Double = 0.03
        /// Share of consenting members' opt-outs that happen after D 00:00 (invisible to a run as of D).
        public var optOutAfterAsOfShare: Double = 0.3
        /// Share of members whose `home_store_id` is NULL (they still shop somewhere; see the truth row).
        public var nullHomeStoreProbability: Double = 0.02
        /// Share of non-flagship stores closed before D.
        public var closedStoreProbability: Double = 0.055

        /// The tuned defaults.
        public init() {}
    }
}
