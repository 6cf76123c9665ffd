import ReactivateCore

/// Who gets targeted in a wave, decided without I/O so it can be tested on hand-made inputs.
///
/// Order of the funnel (each step counted): scored dormant members → reachable (consent, not opted
/// out, a healthy allowed channel) → passes the score thresholds → not in cooldown → not in the global
/// holdout → a fresh valid location → within the radius of an open store → placed by the per-store
/// quota → within the wave budget → split into treatment and control by the keyed hash.
public struct TargetSelection: Sendable {
    public struct Store: Sendable {
        public var id: Int64
        public var location: GeoPoint
        public init(id: Int64, location: GeoPoint) {
            self.id = id
            self.location = location
        }
    }

    public struct Target: Sendable, Equatable {
        public var memberId: Int64
        public var storeId: Int64
        public var distanceMeters: Double
        /// Ranking value: P(alive) × spend per purchase day (yuan).
        public var score: Double
        public var arm: Arm
        public var segment: DormancySegment
        public var channel: MarketingChannel?
        public var preSalesCents: Int64
        /// Model-based outcome moments for the power analysis: P(purchase in window) and spend per visit.
        public var purchaseProbability: Double
        public var monetaryCents: Int64
    }

    public struct Outcome: Sendable {
        public var targets: [Target] = []
        /// Funnel counts by step name, in funnel order.
        public var funnel: [(String, Int)] = []
        /// Excluded members by reason.
        public var exclusions: [String: Int] = [:]
    }

    public var config: PipelineConfig
    public var asOfDay: Int32
    public var holdout: HoldoutAssigner

    public init(config: PipelineConfig, asOfDay: Int32) throws {
        self.config = config
        self.asOfDay = asOfDay
        let key: HoldoutKey
        do { key = try HoldoutKey(hex: config.holdoutKey) } catch {
            throw PipelineError(.configuration, "holdout.key: \(error)", fix: "set holdout.key to 32 hex digits")
        }
        do { holdout = try HoldoutAssigner(key: key, fraction: config.holdoutFraction) } catch {
            throw PipelineError(.configuration, "holdout.fraction: \(error)")
        }
    }

    /// Selects the wave's targets from the scored members of `base` (sorted by member id, as the score
    /// artifact is).
    public func select(
        scores: MemberScores, base: MemberScores.Base, stores: [Store], cooldownMembers: Set<Int64>,
        protectedMembers: Set<Int64> = []
    ) -> Outcome {
        var screening = Screening(self, stores: stores, cooldownMembers: cooldownMembers, protectedMembers: protectedMembers)
        screening.count(base)
        screening.add(scores: scores)
        return screening.finish()
    }

    /// The funnel up to "within the radius of an open store", member by member, over the member base
    /// in any number of slices (row groups of the artifacts, shards); then one placement by quota and
    /// budget over the candidates of every slice. The counts add up and the placement sees the same
    /// candidates, so slicing does not change the outcome; only the candidates are held.
    public struct Screening {
        let selection: TargetSelection
        let cooldownMembers: Set<Int64>
        let protectedMembers: Set<Int64>
        let index: StoreIndex
        let campaign: CampaignHoldout
        let freshestAllowed: Int32
        var candidates: [StoreAssignment.Candidate] = []
        /// What the targets need of each candidate besides its place, at the candidate's position.
        var details: [Detail] = []
        var excluded: [String: Int] = [:]
        var members = 0, buyers = 0
        var dormant = 0, reachable = 0, thresholds = 0, notCooling = 0, notProtected = 0, notGlobal = 0, located = 0, inRadius = 0
        var hits: [StoreHit] = []

        struct Detail {
            var score: Double
            var segment: DormancySegment
            var channel: MarketingChannel?
            var preSalesCents: Int64
            var purchaseProbability: Double
            var monetaryCents: Int64
        }

        public init(_ selection: TargetSelection, stores: [Store], cooldownMembers: Set<Int64>, protectedMembers: Set<Int64> = []) {
            self.selection = selection
            self.cooldownMembers = cooldownMembers
            self.protectedMembers = protectedMembers
            index = StoreIndex(stores: stores.map { (id: $0.id, location: $0.location) })
            campaign = selection.holdout.forCampaign(selection.config.campaign)
            freshestAllowed = selection.asOfDay - Int32(selection.config.locationFreshnessDays)
        }

        /// Counts the member base the scores came from (the funnel's first two steps), slice by slice.
        public mutating func count(_ base: MemberScores.Base) {
            members += base.members
            buyers += base.buyers
        }

        /// Screens one slice of scored members, sorted by member id.
        public mutating func add(scores: MemberScores) {
            let config = selection.config
            for row in 0..<scores.count {
                let memberId = scores.memberId[row]
                let segment = scores.segment(at: row)
                guard segment.isDormant else { continue }
                dormant += 1
                let channel = MemberScores.channel(code: scores.bestChannel[row])
                guard channel != nil else { excluded["unreachable", default: 0] += 1; continue }
                reachable += 1
                guard scores.pAlive[row] >= config.minPAlive, scores.reachability[row] >= config.minReachability else {
                    excluded["below_thresholds", default: 0] += 1
                    continue
                }
                thresholds += 1
                guard !cooldownMembers.contains(memberId) else { excluded["cooldown", default: 0] += 1; continue }
                notCooling += 1
                guard !protectedMembers.contains(memberId) else { excluded["open_experiment_control", default: 0] += 1; continue }
                notProtected += 1
                if config.globalHoldoutFraction > 0, selection.holdout.isInGlobalHoldout(memberId: memberId, fraction: config.globalHoldoutFraction) {
                    excluded["global_holdout", default: 0] += 1
                    continue
                }
                notGlobal += 1
                let day = scores.locationDay[row]
                guard day != MemberHistories.noDay, day >= freshestAllowed else {
                    excluded["no_fresh_location", default: 0] += 1
                    continue
                }
                let point = GeoPoint(latitude: scores.latitude[row], longitude: scores.longitude[row])
                if let reason = point.invalidReason {
                    excluded["invalid_location_\(reason.name)", default: 0] += 1
                    continue
                }
                located += 1
                index.stores(within: config.radiusMeters, of: point, into: &hits)
                guard !hits.isEmpty else { excluded["outside_radius", default: 0] += 1; continue }
                inRadius += 1
                let monetary = scores.monetaryCents[row]
                let score = scores.pAlive[row] * Double(monetary) / 100
                let purchaseProbability = 1 - exp(-max(scores.expectedPurchases[row], 0))
                candidates.append(StoreAssignment.Candidate(memberId: memberId, priority: score, hits: hits))
                details.append(Detail(
                    score: score, segment: segment, channel: channel, preSalesCents: scores.preSalesCents[row],
                    purchaseProbability: purchaseProbability, monetaryCents: monetary))
            }
        }

        /// Places the candidates by the per-store quota, admits them within the wave budget and splits the arms.
        public func finish() -> Outcome {
            let config = selection.config
            var outcome = Outcome()
            var excluded = self.excluded
            let assignment = StoreAssignment(maxPerStore: config.maxPerStore).assign(candidates)
            for unassigned in assignment.unassigned { excluded["store_\(unassigned.reason.name)", default: 0] += 1 }
            // Budget: rank by score (ties by member id) and stop admitting once the treated coupons would not fit;
            // control members below the cut are dropped too, so both arms share one score threshold. The
            // assignment placed members in exactly that order (a candidate's priority is its score).
            var treated = 0
            var budgetCut = false
            /// Of each admitted candidate: its place (a position in `assignment.assigned`) and arm.
            var admitted = [(place: Int, arm: Arm)?](repeating: nil, count: candidates.count)
            for (place, (placed, candidate)) in zip(assignment.assigned, assignment.assignedCandidates).enumerated() {
                let arm = campaign.arm(memberId: placed.memberId)
                if arm == .treatment {
                    let withinCount = config.maxCoupons.map { treated < $0 } ?? true
                    let withinValue = config.maxFaceValueTotalCents.map { Int64(treated + 1) * config.faceValueCents <= $0 } ?? true
                    if budgetCut || !withinCount || !withinValue {
                        budgetCut = true
                    }
                }
                if budgetCut {
                    excluded["budget", default: 0] += 1
                    continue
                }
                if arm == .treatment { treated += 1 }
                admitted[candidate] = (place, arm)
            }
            // In candidate order, which is member order when the slices came in member order (the
            // artifacts' order): sorting a million targets moved more bytes than building them.
            outcome.targets.reserveCapacity(assignment.assigned.count)
            for (candidate, admission) in admitted.enumerated() {
                guard let (place, arm) = admission else { continue }
                let placed = assignment.assigned[place], detail = details[candidate]
                outcome.targets.append(Target(
                    memberId: placed.memberId, storeId: placed.storeId, distanceMeters: placed.distanceMeters,
                    score: detail.score, arm: arm, segment: detail.segment, channel: detail.channel,
                    preSalesCents: detail.preSalesCents, purchaseProbability: detail.purchaseProbability, monetaryCents: detail.monetaryCents))
            }
            if !outcome.targets.indices.dropFirst().allSatisfy({ outcome.targets[$0 - 1].memberId < outcome.targets[$0].memberId }) {
                outcome.targets.sort { $0.memberId < $1.memberId }
            }
            let control = outcome.targets.count - treated
            outcome.funnel = [
                ("members", members), ("buyers", buyers),
                ("dormant", dormant), ("reachable", reachable), ("passes_thresholds", thresholds),
                ("not_in_cooldown", notCooling), ("not_in_open_experiment", notProtected), ("not_in_global_holdout", notGlobal), ("fresh_valid_location", located),
                ("in_radius", inRadius), ("eligible", outcome.targets.count), ("treatment", treated), ("control", control),
            ]
            outcome.exclusions = excluded
            return outcome
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
