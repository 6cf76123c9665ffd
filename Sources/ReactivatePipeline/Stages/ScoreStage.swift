import Artifacts
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization

/// Dormancy, BG/NBD P(alive) and expected purchases, reachability and value for every dormant member.
///
/// Reads the extract artifact (never the source tables), fits BG/NBD on every buyer's (x, t_x, T) —
/// grouped, so millions of members cost a fit over their distinct triples — and writes
/// `reactivation.member_scores` in one transaction (the run's earlier rows replaced) plus a score
/// artifact the target stage reads.
public struct ScoreStage: Stage {
    public let name = StageName.score

    public init() {}

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        var clock = PhaseClock(logger: context.logger)
        let (histories, header) = try MemberHistories.read(path: context.artifactPath(.extract))
        clock.lap("read extract artifact")
        guard CalendarDay(parsing: header.asOf) == context.plan.asOf else {
            throw PipelineError(
                .runtime, "the extract artifact \(context.artifactPath(.extract)) is for \(header.asOf), not \(context.plan.asOf)",
                fix: "re-run extract: reactivate run PIPELINE --as-of \(context.plan.asOf) --stages extract --force")
        }
        let fitStarted = DispatchTime.now()
        guard histories.purchaseDays.contains(where: { $0 > 0 }) else {
            // Nobody bought before D (an empty or brand-new source): nothing to score, which is not an error.
            try Self.writeScores(MemberScores(), context: context)
            let summary = try MemberScores().writeArtifact(to: context.artifactPath(.score), runId: context.runId, asOf: context.plan.asOf.description)
            context.logger.warning("no member bought anything before the as-of date; nothing to score")
            return StageResult(
                rowsIn: histories.count, rowsOut: 0,
                stats: ["members": JSONValue(histories.count), "buyers": 0, "dormant": 0, "note": "no purchases before the as-of date"],
                artifactPath: context.artifactPath(.score), artifactChecksum: summary.contentChecksumHex)
        }
        let fit = try Self.fitModel(histories, asOfDay: context.asOfDay, minPAlive: config.minPAlive, logger: context.logger)
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - fitStarted.uptimeNanoseconds) / 1e9
        clock.lap("fit BG/NBD")
        let scores = Self.score(histories, model: fit.model, config: config, asOfDay: context.asOfDay)
        clock.lap("score members")
        // The table write is server-bound and the artifact write is zstd-bound: do both at once.
        let artifactPath = context.artifactPath(.score)
        let artifact = Mutex<Result<ArtifactSummary, any Error>?>(nil)
        let table = Mutex<Result<Void, any Error>?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { task in
            if task == 0 {
                let outcome = Result { try scores.writeArtifact(to: artifactPath, runId: context.runId, asOf: context.plan.asOf.description) }
                artifact.withLock { $0 = outcome }
            } else {
                let outcome = Result { try Self.writeScores(scores, context: context) }
                table.withLock { $0 = outcome }
            }
        }
        try table.withLock({ $0 })?.get()
        guard let summary = try artifact.withLock({ $0 })?.get() else {
            throw PipelineError(.runtime, "the score artifact was not written")
        }
        clock.lap("write member_scores and score artifact")

        var segments: [String: JSONValue] = [:]
        for segment in DormancySegment.allCases { segments[segment.rawValue] = JSONValue(scores.segmentCounts[segment] ?? 0) }
        let buyers = histories.count - (scores.segmentCounts[.neverActivated] ?? 0)
        let dormant = scores.dormantCount
        return StageResult(
            rowsIn: histories.count, rowsOut: scores.count,
            stats: [
                "members": JSONValue(histories.count), "buyers": JSONValue(buyers), "dormant": JSONValue(dormant),
                "dormant_share_of_buyers": JSONValue(buyers > 0 ? Double(dormant) / Double(buyers) : 0),
                "never_activated": JSONValue(scores.segmentCounts[.neverActivated] ?? 0),
                "reachable_dormant": JSONValue(scores.reachableDormant), "segments": .object(segments),
                "bgnbd": [
                    "r": JSONValue(fit.fit.parameters.r), "alpha": JSONValue(fit.fit.parameters.alpha),
                    "a": JSONValue(fit.fit.parameters.a), "b": JSONValue(fit.fit.parameters.b),
                    "log_likelihood": JSONValue(fit.fit.logLikelihood), "distinct_triples": JSONValue(fit.distinctTriples),
                    "fit_seconds": JSONValue(fitSeconds),
                ],
            ],
            artifactPath: context.artifactPath(.score), artifactChecksum: summary.contentChecksumHex)
    }

    struct FittedModel {
        var fit: BGNBDFit
        var model: BGNBDModel
        var distinctTriples: Int
    }

    /// Groups buyers by (x, t_x, T) in days and fits BG/NBD by maximum likelihood.
    /// A fit that fails stops the run only when `target.min_p_alive` needs P(alive) (exit 2); otherwise
    /// scores fall back to one Poisson rate without dropout, with a warning.
    static func fitModel(_ histories: MemberHistories, asOfDay: Int32, minPAlive: Double = 0, logger: Logger? = nil) throws -> FittedModel {
        // Day counts are small integers: pack (x, t_x, T) into one integer key, far cheaper to hash than
        // three Doubles; 21 bits each covers 5,700 years of daily history.
        var counts: [UInt64: Int] = [:]
        counts.reserveCapacity(1 << 18)
        for index in 0..<histories.count {
            guard let history = PurchaseHistory(
                firstDay: histories.firstPurchaseDay[index], lastDay: histories.lastPurchaseDay[index],
                purchaseDays: histories.purchaseDays[index], asOfDay: asOfDay)
            else { continue }
            counts[history.packedKey, default: 0] += 1
        }
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
        let (histories, _) = try MemberHistories.read(path: path)
        _ = try fitModel(histories, asOfDay: asOfDay)
        return histories.count
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
            guard let history, segment.isDormant || config.scoreAll else { continue }
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
                expected: expected, reachability: reach, segment: segment)
        }
        return scores
    }

    /// Replaces the run's rows in `member_scores` in one transaction: readers see old or new, never half.
    static func writeScores(_ scores: MemberScores, context: StageContext) throws {
        let connection = try context.connect()
        try connection.transaction {
            try connection.query("DELETE FROM reactivation.member_scores WHERE run_id = \(context.runId)", operation: "replace member_scores")
            try connection.copyIn(
                """
                COPY reactivation.member_scores (run_id, member_id, days_since_last, frequency, recency_days, tenure_days,
                    monetary, p_alive, expected_txns, value_score, reachability, best_channel, segment)
                FROM STDIN (FORMAT binary)
                """, operation: "write member_scores"
            ) { writer in
                for index in 0..<scores.count {
                    writer.encoder.beginRow(fieldCount: 13)
                    writer.encoder.append(context.runId)
                    writer.encoder.append(scores.memberId[index])
                    writer.encoder.append(scores.daysSinceLast[index])
                    writer.encoder.append(scores.frequency[index])
                    writer.encoder.append(scores.recencyDays[index])
                    writer.encoder.append(scores.tenureDays[index])
                    writer.encoder.appendCents(scores.monetaryCents[index])
                    writer.encoder.append(scores.pAlive[index])
                    writer.encoder.append(scores.expectedPurchases[index])
                    writer.encoder.append(scores.valueScore[index])
                    writer.encoder.append(scores.reachability[index])
                    writer.encoder.append(MemberScores.channel(code: scores.bestChannel[index])?.rawValue)
                    writer.encoder.append(scores.segment(at: index).rawValue)
                    try writer.rowDone()
                }
            }
        }
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
