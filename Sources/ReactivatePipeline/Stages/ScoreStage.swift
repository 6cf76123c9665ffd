import Artifacts
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization

/// Dormancy, BG/NBD P(alive) and expected purchases, reachability and value for every dormant member.
///
/// Reads the extract artifact (never the source tables) twice, a row group at a time, so the stage
/// holds one group of members and the model's counts, not the member base: the first pass counts
/// buyers by (x, t_x, T) in days — the BG/NBD sufficient statistics, which add up exactly across
/// groups and shards — and one fit runs over those counts; the second scores each group into the
/// score artifact the target stage reads. The artifact is then published into
/// `reactivation.member_scores` (one transaction, the run's earlier rows replaced) as a
/// ``BackgroundWrite``: the target stage computes while the server stores the rows, and the stage
/// counts as succeeded once they are committed.
public struct ScoreStage: Stage {
    public let name = StageName.score

    public init() {}

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        var clock = PhaseClock(logger: context.logger)
        let extract = context.artifactPath(.extract)
        let census = try Census.count(extract: extract, asOf: context.plan.asOf, config: config)
        clock.lap("count purchase histories")
        let fitStarted = DispatchTime.now()
        guard !census.triples.isEmpty else {
            // Nobody bought before D (an empty or brand-new source): nothing to score, which is not an error.
            let (_, summary) = try Self.scoreIntoArtifact(extract: extract, kept: 0, base: census.base, context: context) { _ in MemberScores() }
            context.logger.warning("no member bought anything before the as-of date; nothing to score")
            return StageResult(
                rowsIn: census.members, rowsOut: 0,
                stats: ["members": JSONValue(census.members), "buyers": 0, "dormant": 0, "note": "no purchases before the as-of date"],
                artifactPath: context.artifactPath(.score), artifactChecksum: summary.contentChecksumHex,
                backgroundWrite: Self.publish(context: context))
        }
        let fit = try Self.fitModel(counts: census.triples, minPAlive: config.minPAlive, logger: context.logger)
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - fitStarted.uptimeNanoseconds) / 1e9
        clock.lap("fit BG/NBD")
        let (scored, summary) = try Self.scoreIntoArtifact(extract: extract, kept: census.kept, base: census.base, context: context) { group in
            Self.score(group, model: fit.model, config: config, asOfDay: context.asOfDay)
        }
        clock.lap("score members into the score artifact")
        let publishing = Self.publish(context: context)

        var segments: [String: JSONValue] = [:]
        for segment in DormancySegment.allCases { segments[segment.rawValue] = JSONValue(scored.segmentCounts[segment] ?? 0) }
        let buyers = census.members - (scored.segmentCounts[.neverActivated] ?? 0)
        let dormant = scored.dormantCount
        return StageResult(
            rowsIn: census.members, rowsOut: scored.rows,
            stats: [
                "members": JSONValue(census.members), "buyers": JSONValue(buyers), "dormant": JSONValue(dormant),
                "dormant_share_of_buyers": JSONValue(buyers > 0 ? Double(dormant) / Double(buyers) : 0),
                "never_activated": JSONValue(scored.segmentCounts[.neverActivated] ?? 0),
                "reachable_dormant": JSONValue(scored.reachableDormant), "segments": .object(segments),
                "bgnbd": [
                    "r": JSONValue(fit.fit.parameters.r), "alpha": JSONValue(fit.fit.parameters.alpha),
                    "a": JSONValue(fit.fit.parameters.a), "b": JSONValue(fit.fit.parameters.b),
                    "log_likelihood": JSONValue(fit.fit.logLikelihood), "distinct_triples": JSONValue(fit.distinctTriples),
                    "fit_seconds": JSONValue(fitSeconds),
                ],
            ],
            artifactPath: context.artifactPath(.score), artifactChecksum: summary.contentChecksumHex,
            backgroundWrite: publishing)
    }

    /// What the first pass over the extract learns: members, how many the stage keeps, and buyers
    /// counted by packed (x, t_x, T) — counts, so groups (and shards) merge by adding.
    struct Census {
        var base = MemberScores.Base(members: 0, buyers: 0)
        var kept = 0
        var triples: [UInt64: Int] = [:]

        var members: Int { base.members }

        mutating func add(_ histories: MemberHistories, asOfDay: Int32, config: PipelineConfig) {
            base.members += histories.count
            for days in histories.purchaseDays where days > 0 { base.buyers += 1 }
            for index in 0..<histories.count {
                let history = PurchaseHistory(
                    firstDay: histories.firstPurchaseDay[index], lastDay: histories.lastPurchaseDay[index],
                    purchaseDays: histories.purchaseDays[index], asOfDay: asOfDay)
                if ScoreStage.keeps(history, config: config) { kept += 1 }
                guard let history else { continue }
                triples[history.packedKey, default: 0] += 1
            }
        }

        static func count(extract path: String, asOf: CalendarDay, config: PipelineConfig) throws -> Census {
            let groups = try MemberHistories.Groups(path: path)
            guard CalendarDay(parsing: groups.header.asOf) == asOf else {
                throw PipelineError(
                    .runtime, "the extract artifact \(path) is for \(groups.header.asOf), not \(asOf)",
                    fix: "re-run extract: reactivate run PIPELINE --as-of \(asOf) --stages extract --force")
            }
            var census = Census()
            // Half the members as distinct triples (1M members had 740k, 8M had 4.3M): a table that
            // never grows. Growing from 256k slots rehashed 4M entries at 8M members, 0.2 s of 1.7.
            census.triples.reserveCapacity(max(Int(groups.header.rowCount ?? 0) / 2, 1 << 16))
            while let group = try groups.next() { census.add(group, asOfDay: asOf.number, config: config) }
            return census
        }
    }

    /// Whether the stage scores a member: a buyer who is dormant, or any buyer with `score_all`.
    static func keeps(_ history: PurchaseHistory?, config: PipelineConfig) -> Bool {
        guard let history else { return false }
        return config.scoreAll || DormancySegment.classify(daysSinceLast: history.daysSinceLast, dormantDays: config.dormantDays).isDormant
    }

    /// What the second pass adds up while it writes.
    struct Scored {
        var rows = 0
        var segmentCounts: [DormancySegment: Int] = [:]
        var dormantCount = 0
        var reachableDormant = 0

        mutating func add(_ scores: MemberScores) {
            rows += scores.count
            for (segment, count) in scores.segmentCounts { segmentCounts[segment, default: 0] += count }
            dormantCount += scores.dormantCount
            reachableDormant += scores.reachableDormant
        }
    }

    /// Scores the extract group by group into the score artifact of `kept` rows, committed on return.
    static func scoreIntoArtifact(
        extract: String, kept: Int, base: MemberScores.Base, context: StageContext, score: (MemberHistories) -> MemberScores
    ) throws -> (Scored, ArtifactSummary) {
        let artifact = try MemberScores.artifactWriter(
            to: context.artifactPath(.score), rows: kept, base: base, runId: context.runId, asOf: context.plan.asOf.description)
        let groups = try MemberHistories.Groups(path: extract)
        var scored = Scored()
        while let group = try groups.next() {
            try Cancellation.shared.checkpoint()
            let scores = score(group)
            scored.add(scores)
            try artifact.append(columns: scores.columns(0..<scores.count))
        }
        return (scored, try artifact.commit())
    }

    /// Copies the committed score artifact into `member_scores` on a connection and thread of its own,
    /// replacing the run's earlier rows in one transaction: readers see the old rows or the new, never half.
    static func publish(context: StageContext) -> BackgroundWrite {
        BackgroundWrite {
            var clock = PhaseClock(logger: context.logger)
            let groups = try MemberScores.Groups(path: context.artifactPath(.score))
            let connection = try context.connect()
            try connection.transaction {
                try connection.query("DELETE FROM reactivation.member_scores WHERE run_id = \(context.runId)", operation: "replace member_scores")
                try connection.copyIn(MemberScores.copyStatement, operation: "write member_scores") { writer in
                    while let group = try groups.next() {
                        try Cancellation.shared.checkpoint()
                        try group.encodeRows(runId: context.runId, into: &writer)
                    }
                }
            }
            clock.lap("write member_scores")
        }
    }

    struct FittedModel {
        var fit: BGNBDFit
        var model: BGNBDModel
        var distinctTriples: Int
    }

    /// Fits BG/NBD by maximum likelihood on buyers counted by packed (x, t_x, T) in days.
    /// A fit that fails stops the run only when `target.min_p_alive` needs P(alive) (exit 2); otherwise
    /// scores fall back to one Poisson rate without dropout, with a warning.
    static func fitModel(counts: [UInt64: Int], minPAlive: Double = 0, logger: Logger? = nil) throws -> FittedModel {
        guard !counts.isEmpty else {
            throw PipelineError(
                .runtime, "no member has a purchase before the as-of date, so there is nothing to fit BG/NBD on",
                fix: "check the as-of date and that src.transactions has positive amounts before it")
        }
        // The fit orders groups itself, so the dictionary's order cannot change the result.
        let grouped = counts.map { WeightedCustomerSummary(summary: PurchaseHistory.summary(packed: $0.key), count: $0.value) }
        let fit: BGNBDFit
        do { fit = try BGNBDFit.fit(groups: grouped) } catch {
            guard minPAlive == 0 else {
                throw PipelineError(.configuration, "BG/NBD cannot be fitted on this member base (\(error.reason)), and target.min_p_alive = \(minPAlive) needs its P(alive)",
                    fix: "set target.min_p_alive = 0 in the pipeline file to target without P(alive), or check the source data and the as-of date (\(error.fix))")
            }
            guard let fallback = BGNBDFit.poissonFallback(groups: grouped, because: error) else {
                throw PipelineError(.runtime, "BG/NBD cannot be fitted on this member base: \(error)", fix: "check the source data and the as-of date")
            }
            fit = fallback
        }
        if let warning = fit.warning { logger?.warning("\(warning)") }
        return FittedModel(fit: fit, model: try fit.model(), distinctTriples: grouped.count)
    }

    /// The BG/NBD fit alone on the extract artifact, for `make bench`; returns members read.
    public static func benchmarkFit(config: PipelineConfig, asOfDay: Int32, artifactDirectory: String) throws -> Int {
        let path = URL(fileURLWithPath: artifactDirectory).appendingPathComponent(config.campaign)
            .appendingPathComponent(PostgresEpoch.format(asOfDay)).appendingPathComponent(RunMode.live.rawValue)
            .appendingPathComponent("extract.ract").path
        let census = try Census.count(extract: path, asOf: CalendarDay(asOfDay), config: config)
        _ = try fitModel(counts: census.triples)
        return census.members
    }

    /// Scores each member that the pipeline keeps (dormant, or every buyer with `score_all`).
    static func score(_ histories: MemberHistories, model: BGNBDModel, config: PipelineConfig, asOfDay: Int32) -> MemberScores {
        var scores = MemberScores()
        let horizon = Double(config.horizonDays)
        var observations: [Reachability.ChannelObservation] = []
        observations.reserveCapacity(4)
        for index in 0..<histories.count {
            let history = PurchaseHistory(
                firstDay: histories.firstPurchaseDay[index], lastDay: histories.lastPurchaseDay[index],
                purchaseDays: histories.purchaseDays[index], asOfDay: asOfDay)
            let segment = DormancySegment.classify(daysSinceLast: history?.daysSinceLast, dormantDays: config.dormantDays)
            scores.segmentCounts[segment, default: 0] += 1
            guard let history, Self.keeps(history, config: config) else { continue }
            observations.removeAll(keepingCapacity: true)
            for (channelIndex, channel) in MemberHistories.channelOrder.enumerated() {
                let state = histories.channelState[channelIndex][index]
                let delivered = histories.channelDeliveredDay[channelIndex][index]
                observations.append(Reachability.ChannelObservation(
                    channel: channel, healthy: state == MemberHistories.ChannelState.healthy.rawValue,
                    daysSinceDelivery: delivered == MemberHistories.noDay ? nil : Int(asOfDay - delivered)))
            }
            let reach = Reachability.assess(
                consent: histories.consent[index] == 1, optedOut: histories.optedOut[index] == 1,
                channels: observations, allowed: config.channels)
            let summary = history.summary
            let prediction = model.predict(summary, horizon: horizon)
            let pAlive = prediction.probabilityAlive
            let expected = prediction.expectedPurchases
            let monetaryCents = histories.grossCents[index] / Int64(max(histories.purchaseDays[index], 1))
            if segment.isDormant {
                scores.dormantCount += 1
                if reach.reachable { scores.reachableDormant += 1 }
            }
            scores.append(
                memberId: histories.memberId[index], history: history, monetaryCents: monetaryCents, pAlive: pAlive,
                expected: expected, reachability: reach, segment: segment, from: histories, at: index)
        }
        return scores
    }
}

extension PurchaseHistory {
    var summary: CustomerSummary {
        CustomerSummary(frequency: Double(frequency), recency: Double(recencyDays), age: Double(tenureDays))
    }

    static let fieldBits: UInt64 = 21
    static let fieldMask: UInt64 = (1 << fieldBits) - 1

    /// (x, t_x, T) in one integer; values beyond 21 bits are clamped (2 million days).
    var packedKey: UInt64 {
        func field(_ value: Int) -> UInt64 { min(UInt64(max(value, 0)), Self.fieldMask) }
        return field(frequency) << (2 * Self.fieldBits) | field(recencyDays) << Self.fieldBits | field(tenureDays)
    }

    static func summary(packed key: UInt64) -> CustomerSummary {
        CustomerSummary(
            frequency: Double(key >> (2 * fieldBits)), recency: Double((key >> fieldBits) & fieldMask),
            age: Double(key & fieldMask))
    }
}
