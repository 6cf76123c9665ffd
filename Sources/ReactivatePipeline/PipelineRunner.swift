import Artifacts
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore

/// Runs a pipeline's stages in order under the campaign lock, recording everything in the ledger.
///
/// Resumable: a stage that already succeeded for this (campaign, as-of, mode) is skipped when its
/// artifact still verifies, so re-running after a failure continues where it stopped; `force` redoes all.
public struct PipelineRunner {
    public struct Request: Sendable {
        public var config: PipelineConfig
        public var configText: String
        /// The run date D, or today, which ``RunPlan`` resolves in the business time zone.
        public var asOf: AsOf
        public var mode: RunMode
        /// Stages to run, in pipeline order; nil = every stage.
        public var stages: [StageName]?
        public var force: Bool
        public var issueAt: Int64?
        public var sliceCount: Int
        /// For the attribute stage: only this wave.
        public var attributeWave: Int32?
        /// Shards worked on at once (`run --jobs`).
        public var jobs = 2

        public init(
            config: PipelineConfig, configText: String, asOf: AsOf, mode: RunMode = .live,
            stages: [StageName]? = nil, force: Bool = false, issueAt: Int64? = nil, sliceCount: Int = 2,
            attributeWave: Int32? = nil
        ) {
            self.attributeWave = attributeWave
            self.config = config
            self.configText = configText
            self.asOf = asOf
            self.mode = mode
            self.stages = stages
            self.force = force
            self.issueAt = issueAt
            self.sliceCount = sliceCount
        }
    }

    public struct StageReport: Sendable {
        public var stage: StageName
        public var skipped: Bool
        public var seconds: Double
        public var result: StageResult?
    }

    public struct Outcome: Sendable {
        public var runId: Int64
        /// The as-of date the run resolved (today's date for `--as-of today`).
        public var asOf: CalendarDay
        public var reports: [StageReport]
    }

    /// A stage whose ``BackgroundWrite`` was still committing when the next stage started.
    struct WritingStage {
        var stage: StageName
        var result: StageResult
        var started: DispatchTime
        var fingerprint: RunLedger.Fingerprint
        var logger: Logger
        var write: BackgroundWrite
    }

    /// Stage implementations by name, in pipeline order.
    public static let available: [any Stage] = [ExtractStage(), ScoreStage(), TargetStage(), IssueStage(), AttributeStage()]

    let connectionString: ConnectionString
    let logger: Logger

    public init(connectionString: ConnectionString, logger: Logger) {
        self.connectionString = connectionString
        self.logger = logger
    }

    public func run(_ request: Request) throws -> Outcome {
        let config = request.config
        let connection = try Connection(connectionString)
        try Self.requireMigrated(connection)
        // Everything the run depends on is resolved and checked before anything is written.
        let plan = try RunPlan.resolve(request, connection: connection)
        let asOf = plan.asOf.description
        let ledger = RunLedger(connection: connection)
        // Live and dry runs of a campaign exclude each other; backfill dates only exclude the same date,
        // so `backfill --jobs N` can replay several past dates at once.
        let lockScope = request.mode == .backfill ? "\(config.campaign)/backfill/\(asOf)" : config.campaign
        try ledger.lockCampaign(config.campaign, scope: lockScope)
        defer { try? ledger.unlockCampaign(lockScope) }
        let runId = try ledger.beginRun(campaign: config.campaign, asOf: plan.asOf, mode: request.mode, configText: request.configText)
        var logger = self.logger
        logger[metadataKey: "run.id"] = .stringConvertible(runId)
        logger[metadataKey: "campaign"] = "\(config.campaign)"
        logger[metadataKey: "as_of"] = "\(asOf)"
        let directory = try Self.prepareArtifactDirectory(config: config, asOf: asOf, mode: request.mode)
        let selected = Self.available.filter { request.stages?.contains($0.name) ?? true }
        var reports: [StageReport] = []
        /// Output tokens of stages run or reused in this invocation, newer than the ledger's.
        var tokens: [StageName: String] = [:]
        /// A stage that returned with its ``BackgroundWrite`` still committing, not yet recorded.
        var writing: WritingStage?

        func recordSuccess(_ name: StageName, _ result: StageResult, started: DispatchTime, fingerprint: RunLedger.Fingerprint, logger: Logger) throws {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            try ledger.finishStage(
                runId, name, status: "succeeded", rowsIn: result.rowsIn, rowsOut: result.rowsOut,
                artifactPath: result.artifactPath, artifactChecksum: result.artifactChecksum,
                statsJSON: JSONValue.object(result.stats).jsonText, fingerprint: fingerprint)
            try ledger.addRunStats(runId, json: JSONValue.object([name.rawValue: .object(result.stats)]).jsonText)
            logger.info(
                "stage finished",
                metadata: [
                    "rows.in": .stringConvertible(result.rowsIn), "rows.out": .stringConvertible(result.rowsOut),
                    "duration_ms": .stringConvertible(Int(seconds * 1000)),
                ])
            reports.append(StageReport(stage: name, skipped: false, seconds: seconds, result: result))
        }
        /// Records `name` as failed (or interrupted) and the run with it; returns what to throw.
        func recordFailure(_ name: StageName, _ error: any Error, logger: Logger) -> StageFailure {
            let interrupted = Cancellation.shared.isCancelled || (error as? PostgresError)?.kind == .cancelled
                || (error as? PipelineError)?.category == .interrupted
            logger.error("stage failed", metadata: ["error": "\(error)"])
            // The ledger may be unreachable too (database gone); the original error matters more.
            try? ledger.finishStage(
                runId, name, status: interrupted ? "interrupted" : "failed", rowsIn: nil, rowsOut: nil,
                error: String(describing: error))
            try? ledger.finishRun(runId, status: interrupted ? "interrupted" : "failed")
            if interrupted {
                return StageFailure(
                    stage: name,
                    underlying: PipelineError(.interrupted, "interrupted by a signal; nothing of this stage was kept", fix: "re-run the same command to resume"))
            }
            return StageFailure(stage: name, underlying: error)
        }
        /// Waits for the background write in flight, if any, and records its stage.
        func settle() throws {
            guard let pending = writing else { return }
            writing = nil
            do { try pending.write.wait() } catch { throw recordFailure(pending.stage, error, logger: pending.logger) }
            try recordSuccess(pending.stage, pending.result, started: pending.started, fingerprint: pending.fingerprint, logger: pending.logger)
        }

        for stage in selected {
            if !stage.runsBesideBackgroundWrites { try settle() }
            var stageLogger = logger
            stageLogger[metadataKey: "stage"] = "\(stage.name.rawValue)"
            var context = StageContext(
                plan: plan, runId: runId, connectionString: connectionString, logger: stageLogger, artifactDirectory: directory)
            do {
                try Cancellation.shared.checkpoint()
            } catch {
                // Interrupted between stages: the write in flight is cancelled with the run; record how it ended.
                do { try settle() } catch let failure as StageFailure { throw failure }
                throw error
            }
            let record = try ledger.stageRecord(runId, stage.name)
            var upstreamTokens: [StageName: String] = [:]
            for name in stage.upstream {
                upstreamTokens[name] = try tokens[name] ?? ledger.stageRecord(runId, name).flatMap { $0.status == "succeeded" ? $0.outputToken : nil }
            }
            let inputs = StageFingerprint.inputs(stage, plan: plan, upstreamTokens: upstreamTokens)
            let digest = StageFingerprint.digest(inputs)
            if !request.force, let record, try isReusable(record, digest: digest, logger: stageLogger) {
                stageLogger.info("stage already done with the same inputs; reused")
                if let token = record.outputToken { tokens[stage.name] = token }
                reports.append(StageReport(stage: stage.name, skipped: true, seconds: 0, result: nil))
                continue
            }
            if let record, record.status == "succeeded" {
                let changes = record.inputDigest == digest ? nil : StageFingerprint.changes(from: record.inputs, to: inputs)
                let reason = request.force ? (["--force"] + [changes].compactMap { $0 }).joined(separator: "; ") : changes ?? "its earlier result could not be reused"
                context.rerunReason = reason
                stageLogger.notice("running the stage again: its inputs changed", metadata: ["reason": "\(reason)"])
            }
            try ledger.startStage(runId, stage.name)
            stageLogger.info("stage started")
            let started = DispatchTime.now()
            let result: StageResult
            do {
                result = try stage.run(context)
            } catch {
                // The stage it ran beside comes first: its failure may be why this one failed.
                let earlier: StageFailure?
                do { try settle(); earlier = nil } catch let failure as StageFailure { earlier = failure } catch { earlier = nil }
                let failure = recordFailure(stage.name, error, logger: stageLogger)
                throw earlier ?? failure
            }
            let fingerprint = RunLedger.Fingerprint(digest: digest, inputs: inputs, outputToken: StageFingerprint.newToken())
            tokens[stage.name] = fingerprint.outputToken
            do {
                try settle()
            } catch let failure as StageFailure {
                // Done, but on top of a stage whose write failed: a resumed run redoes both.
                _ = recordFailure(stage.name, PipelineError(.runtime, "not recorded: \(failure)", fix: "re-run the same command to resume"), logger: stageLogger)
                throw failure
            }
            if let write = result.backgroundWrite {
                writing = WritingStage(stage: stage.name, result: result, started: started, fingerprint: fingerprint, logger: stageLogger, write: write)
            } else {
                try recordSuccess(stage.name, result, started: started, fingerprint: fingerprint, logger: stageLogger)
            }
        }
        try settle()
        try ledger.finishRun(runId, status: "succeeded")
        return Outcome(runId: runId, asOf: plan.asOf, reports: reports)
    }

    /// A stage can be reused when it succeeded from the same inputs and its artifact (if any) still verifies.
    private func isReusable(_ record: RunLedger.StageRecord, digest: String, logger: Logger) throws -> Bool {
        guard record.status == "succeeded", record.inputDigest == digest else { return false }
        guard let path = record.artifactPath else { return true }
        do {
            let summary = try ArtifactReader.verify(path: path)
            if let expected = record.artifactChecksum, summary.contentChecksumHex != expected {
                logger.warning("artifact changed since the stage ran; redoing the stage", metadata: ["artifact": "\(path)"])
                return false
            }
            return true
        } catch {
            logger.warning("artifact missing or corrupted; redoing the stage", metadata: ["artifact": "\(path)", "error": "\(error)"])
            return false
        }
    }

    static func requireMigrated(_ connection: Connection) throws {
        let ready = try connection.query(
            "SELECT to_regclass('reactivation.stage_runs') IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'reactivation' AND table_name = 'stage_runs' AND column_name = 'input_digest')"
        ).scalar(Bool.self) ?? false
        guard ready else {
            throw PipelineError(
                .runtime, "the reactivation schema is missing or not migrated to this version in this database",
                fix: "run `reactivate migrate` first")
        }
    }

    /// `<artifact_dir>/<campaign>/<as-of>/<mode>/`, owner-only: artifacts hold member data.
    static func prepareArtifactDirectory(config: PipelineConfig, asOf: String, mode: RunMode) throws -> URL {
        let directory = URL(fileURLWithPath: config.artifactDir)
            .appendingPathComponent(config.campaign).appendingPathComponent(asOf).appendingPathComponent(mode.rawValue)
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PipelineError(
                .runtime, "cannot create the artifact folder \(directory.path): \(error.localizedDescription)",
                fix: "make [output] artifact_dir point to a writable folder")
        }
        return directory
    }
}
