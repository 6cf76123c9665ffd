import Dispatch
import Artifacts
import Foundation
import Logging
import Postgres
import ReactivateCore

/// Issues one unguessable coupon per treated member of the wave, exactly once.
///
/// Everything that makes a coupon exist — the wave row, the coupons, their outbox rows, the skips — is
/// written in one transaction, so a process killed at any point leaves either all of it or none of it.
/// A rerun only issues to treated members who still have no coupon (UNIQUE (campaign, as_of, member_id)),
/// so codes already committed never change. The delivery file holds every coupon of the wave (those
/// committed earlier and those being inserted); it is built while the server inserts and written under
/// its name only after the commit, so a failed attempt leaves the previous file and a rerun rebuilds it.
public struct IssueStage: Stage {
    public let name = StageName.issue
    /// Where new codes come from: the system CSPRNG; tests hand in clashes.
    let drawCode: @Sendable () -> String

    public init() {
        let source = KernelCodeSource()
        self.init(drawCode: { source.draw() })
    }

    init(drawCode: @escaping @Sendable () -> String) {
        self.drawCode = drawCode
    }

    public func run(_ context: StageContext) throws -> StageResult {
        guard context.mode == .live else {
            return StageResult(rowsIn: 0, rowsOut: 0, stats: ["issued": 0, "note": .string("\(context.mode.rawValue) run: no coupon written")])
        }
        let plan = context.plan
        let connection = try context.connect()
        // A wave is only issued from targets this live run committed. Issuing without them would record
        // an empty wave as issued, which every later run skips: its members would never get a coupon.
        let targetStage = try RunLedger(connection: connection).stageRecord(context.runId, .target)
        let targets = try WaveTargets.liveCounts(connection, plan: plan)
        guard targetStage?.status == "succeeded" || targets.all > 0 else {
            throw PipelineError(
                .configuration, "wave \(plan.campaign) as of \(plan.asOf) has no committed targets, so there is nothing to issue",
                fix: "run the target stage for this date first (`reactivate run … --as-of \(plan.asOf)` without --stages)")
        }
        guard targets.treated > 0 else {
            context.logger.notice("no treated targets on this date; no wave recorded")
            return StageResult(rowsIn: 0, rowsOut: 0, stats: ["issued_now": 0, "note": "no treated targets: no wave recorded"])
        }
        var clock = PhaseClock(logger: context.logger)
        let outcome = try connection.transaction { try issue(context, connection: connection) }
        clock.lap("issue in one transaction (insert \(Int(outcome.insertSeconds * 1000)) ms)")
        // Built while the server inserted; it becomes visible only now that the coupons are committed.
        let file = try DeliveryFile.commit(try outcome.deliveryFile?.wait() ?? DeliveryFile.compressed([]), context: context)
        clock.lap("delivery file")
        try connection.query(
            "UPDATE reactivation.waves SET delivery_file = \(file) WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date")
        return StageResult(
            rowsIn: outcome.treated, rowsOut: outcome.issued,
            stats: [
                "treated": JSONValue(outcome.treated), "issued_now": JSONValue(outcome.issued),
                "already_issued": JSONValue(outcome.alreadyIssued), "skipped": .object(outcome.skipped.mapValues { JSONValue($0) }),
                "issued_at": .string(outcome.issuedAt), "delivery_file": .string(file),
                "face_value_total": JSONValue(Double(outcome.faceValueTotalCents) / 100),
                "insert_ms": JSONValue(Int((outcome.insertSeconds * 1000).rounded())),
            ])
    }

    /// A treated member without a coupon yet.
    struct Pending {
        var memberId: Int64
        var storeId: Int64
        var channel: String
        var cooling: Bool
        var score: Double

        /// Budget order: best score first, ties by member id — `ORDER BY score DESC, member_id` as
        /// PostgreSQL sorts it, NaN above every number (sorted here: the server's sort cost 60 ms at 1M).
        static func comesFirst(_ left: Pending, _ right: Pending) -> Bool {
            if left.score.isNaN != right.score.isNaN { return left.score.isNaN }
            if !left.score.isNaN, left.score != right.score { return left.score > right.score }
            return left.memberId < right.memberId
        }
    }

    /// `codes` ordered by their first two symbols only, the rest of each code staying as drawn.
    ///
    /// Why: handed out in this order to members in member order, the new codes reach the primary keys
    /// of coupons and outbox as a left-to-right sweep in which each leaf page is visited while in cache,
    /// not at random places across an index that grows with every wave (at 1M members the coupons'
    /// inserts took 15% less server time; fully sorted codes were no faster than this). Why not sort
    /// them fully: then who gets which code would follow member order, and a member who knows his code
    /// and a neighbour's member id could search near his own code. Ordered by 10 bits, the other 70 of
    /// the 80 are drawn independently of member order (SPEC asks for at least 64 bits), and the codes
    /// of a wave are the same independent draws: guessing any valid code is exactly as hard as before.
    static func inIndexOrder(_ codes: [String]) -> [String] {
        func prefix(_ code: String) -> UInt16 {
            var bytes = code.utf8.makeIterator()
            return UInt16(bytes.next() ?? 0) << 8 | UInt16(bytes.next() ?? 0)
        }
        // Tagged with the draw position so equal prefixes keep the order they were drawn in.
        return codes.enumerated()
            .map { (prefix: prefix($0.element), position: $0.offset, code: $0.element) }
            .sorted { ($0.prefix, $0.position) < ($1.prefix, $1.position) }
            .map(\.code)
    }

    struct Outcome {
        var treated = 0
        var issued = 0
        var alreadyIssued = 0
        var skipped: [String: Int] = [:]
        var issuedAt = ""
        var faceValueTotalCents: Int64 = 0
        /// Writing the coupons, outbox rows and skips (staging, inserts, skip COPY): what `make bench`
        /// divides the coupons by.
        var insertSeconds = 0.0
        /// The compressed delivery file of every coupon of the wave, being built.
        var deliveryFile: BackgroundWork<[UInt8]>?
    }

    func issue(_ context: StageContext, connection: Connection) throws -> Outcome {
        let config = context.config
        let plan = context.plan
        try connection.query(
            IssueQuery.openWave(plan, runId: context.runId, windowDays: config.windowDays), operation: "open wave")
        guard let waveRow = try connection.query(
            IssueQuery.lockWave(plan, validDays: config.validDays), operation: "lock wave").first
        else { throw PipelineError(.runtime, "the wave row vanished while issuing") }
        let issuedAt = Instant(microseconds: try waveRow.decode(0, as: Int64.self))
        let expiresAt = Instant(microseconds: try waveRow.decode(2, as: Int64.self))
        // Treated members without a coupon yet, with whether another wave's coupon cools them down
        // (the same ``CooldownRule`` the target stage applied, anchored at this wave's issue time).
        // Without cooldown the bounds are NULL and nothing matches.
        let cooldown = plan.cooldown.window(anchoredAt: issuedAt)
        var pending: [Pending] = []
        try connection.copyOut(
            IssueQuery.pendingTreated(plan, cooldown: cooldown), fieldCount: 5, operation: "read treated members without a coupon"
        ) { row in
            pending.append(Pending(
                memberId: try row.int64(0), storeId: try row.int64(1), channel: try row.text(2), cooling: try row.bool(3),
                score: try row.float64(4)))
        }
        pending.sort(by: Pending.comesFirst)
        let existing = try connection.query(
            IssueQuery.issuedSoFar(plan)).first
        var outcome = Outcome()
        outcome.issuedAt = try waveRow.decode(1, as: String.self)
        outcome.alreadyIssued = try existing?.decode(0, as: Int.self) ?? 0
        var issuedCount = outcome.alreadyIssued
        var faceTotal = try existing?.decode(1, as: Int64.self) ?? 0
        outcome.treated = pending.count + outcome.alreadyIssued
        var skips: [(Int64, String)] = []
        var toIssue: [Pending] = []
        for member in pending {
            if member.cooling { skips.append((member.memberId, "cooldown")); continue }
            if let maxCoupons = config.maxCoupons, issuedCount >= maxCoupons { skips.append((member.memberId, "budget_max_coupons")); continue }
            if let maxValue = config.maxFaceValueTotalCents, faceTotal + config.faceValueCents > maxValue {
                skips.append((member.memberId, "budget_max_face_value_total"))
                continue
            }
            issuedCount += 1
            faceTotal += config.faceValueCents
            toIssue.append(member)
        }
        // The delivery file lists every coupon of the wave: those an earlier, interrupted run committed
        // (read under the wave lock, so nothing changes them meanwhile) and the ones inserted now.
        let earlier = outcome.alreadyIssued > 0 ? try DeliveryFile.committedLines(connection, plan: plan) : []
        // Codes come from the system CSPRNG (80 bits); a clash with any earlier code is astronomically
        // rare, so the batch is inserted plainly — `ON CONFLICT DO NOTHING` cost a third more per coupon —
        // and on a clash the savepoint is rolled back and the batch drawn again. Members cannot clash:
        // the wave row lock serializes issuers and `pending` excludes members with a coupon.
        //
        // Staged in member order, so the coupons' two member-keyed indexes are filled left to right
        // (their pages stay in cache) rather than at random places; see `IssueQuery.insertCoupons`.
        // The codes are handed out in the order of their first two symbols (``inIndexOrder(_:)``), so
        // the coupons' and the outbox's primary keys are filled left to right as well.
        toIssue.sort { $0.memberId < $1.memberId }
        let insertStarted = DispatchTime.now()
        var attempts = 0
        while !toIssue.isEmpty {
            attempts += 1
            guard attempts <= 5 else { throw PipelineError(.runtime, "could not find unused coupon codes after 5 attempts") }
            let codes = Self.inIndexOrder(toIssue.map { _ in drawCode() })
            try connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS new_coupons (code text, member_id bigint, store_id bigint, channel text) ON COMMIT DROP; TRUNCATE new_coupons")
            try connection.copyIn("COPY new_coupons FROM STDIN (FORMAT binary)", operation: "stage new coupons") { writer in
                for (member, code) in zip(toIssue, codes) {
                    writer.encoder.beginRow(fieldCount: 4)
                    writer.encoder.append(code)
                    writer.encoder.append(member.memberId)
                    writer.encoder.append(member.storeId)
                    writer.encoder.append(member.channel)
                    try writer.rowDone()
                }
            }
            // The client has nothing else to do while the server inserts: build the file now.
            outcome.deliveryFile = DeliveryFile.build(earlier + zip(toIssue, codes).map { member, code in
                DeliveryFile.Line(code: code, memberId: member.memberId, channel: member.channel, storeId: member.storeId, expiresAt: expiresAt.microseconds)
            })
            try connection.execute("SAVEPOINT new_codes")
            do {
                try connection.query(
                    IssueQuery.insertCoupons(plan, runId: context.runId, config: config, issuedAt: issuedAt, expiresAt: expiresAt),
                    operation: "insert coupons")
                try connection.query(IssueQuery.insertOutbox, operation: "insert outbox rows")
            } catch let error as PostgresError where error.sqlState == "23505" && error.constraint == "coupons_pkey" {
                try connection.execute("ROLLBACK TO SAVEPOINT new_codes")
                context.logger.warning("a new coupon code clashed with an existing one; drawing the batch again", metadata: ["attempt": .stringConvertible(attempts)])
                continue
            }
            try connection.execute("RELEASE SAVEPOINT new_codes")
            outcome.issued += toIssue.count
            toIssue = []
        }
        if outcome.deliveryFile == nil { outcome.deliveryFile = DeliveryFile.build(earlier) }
        if !skips.isEmpty {
            try connection.copyIn("COPY reactivation.coupon_skips (campaign, as_of, member_id, reason) FROM STDIN (FORMAT binary)") { writer in
                for (memberId, reason) in skips {
                    writer.encoder.beginRow(fieldCount: 4)
                    writer.encoder.append(config.campaign)
                    writer.encoder.appendDate(context.asOfDay)
                    writer.encoder.append(memberId)
                    writer.encoder.append(reason)
                    try writer.rowDone()
                }
            }
        }
        outcome.insertSeconds = Double(DispatchTime.now().uptimeNanoseconds - insertStarted.uptimeNanoseconds) / 1e9
        for (_, reason) in skips { outcome.skipped[reason, default: 0] += 1 }
        outcome.faceValueTotalCents = faceTotal
        try connection.query(
            IssueQuery.closeWave(plan, runId: context.runId), operation: "close wave")
        return outcome
    }
}

/// The per-wave file a channel sender picks up: zstd-compressed JSON lines, owner-readable only
/// (mode 0600 whatever the umask: it holds coupon codes), written atomically. Lines are in byte order
/// of the code (plain ASCII, so the same on every server collation).
///
/// Built from the wave's rows on a thread of its own while the server inserts the new coupons, and
/// written under its final name only after the issuing transaction committed, so a rerun can always
/// rebuild it and a failed attempt leaves the previous file.
enum DeliveryFile {
    struct Line: Sendable {
        var code: String
        var memberId: Int64
        var channel: String
        var storeId: Int64
        var expiresAt: Int64
    }

    /// The wave's committed coupons.
    static func committedLines(_ connection: Connection, plan: RunPlan) throws -> [Line] {
        var lines: [Line] = []
        try connection.copyOut(
            """
            COPY (SELECT code, member_id, channel, store_id, expires_at FROM reactivation.coupons
                  WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date) TO STDOUT (FORMAT binary)
            """, fieldCount: 5, operation: "read the wave's coupons for the delivery file"
        ) { row in
            lines.append(Line(
                code: try row.text(0), memberId: try row.int64(1), channel: try row.text(2), storeId: try row.int64(3),
                expiresAt: try row.timestamp(4)))
        }
        return lines
    }

    /// Sorts and compresses `lines` on a thread of its own.
    static func build(_ lines: [Line]) -> BackgroundWork<[UInt8]> {
        BackgroundWork { try compressed(lines) }
    }

    static func compressed(_ unsorted: [Line]) throws -> [UInt8] {
        // Codes are ASCII, for which String's order is byte order: the order `COLLATE "C"` gives.
        let lines = unsorted.sorted { $0.code < $1.code }
        let compressor = try ZstdCompressor(level: 3)
        var output: [UInt8] = []
        var text: [UInt8] = []
        text.reserveCapacity(chunk + 1024)
        var expires: (microseconds: Int64, text: String)?
        func flush() throws {
            try text.withUnsafeBytes { bytes in try compressor.compress(bytes) { output.append(contentsOf: $0) } }
            text.removeAll(keepingCapacity: true)
        }
        for line in lines {
            if expires?.microseconds != line.expiresAt {
                expires = (line.expiresAt, Instant(microseconds: line.expiresAt).iso8601Seconds)
            }
            text.append(contentsOf: #"{"code":""#.utf8)
            text.append(contentsOf: line.code.utf8)
            text.append(contentsOf: #"","member_id":"#.utf8)
            text.append(contentsOf: String(line.memberId).utf8)
            text.append(contentsOf: #","channel":""#.utf8)
            text.append(contentsOf: line.channel.utf8)
            text.append(contentsOf: #"","store_id":"#.utf8)
            text.append(contentsOf: String(line.storeId).utf8)
            text.append(contentsOf: #","expires_at":""#.utf8)
            text.append(contentsOf: expires!.text.utf8)
            text.append(contentsOf: "\"}\n".utf8)
            if text.count >= chunk { try flush() }
        }
        try flush()
        try compressor.finish { output.append(contentsOf: $0) }
        return output
    }

    /// Writes the built file under its final name; returns the path.
    static func commit(_ bytes: [UInt8], context: StageContext) throws -> String {
        let path = context.artifactDirectory.appendingPathComponent("delivery-\(context.config.campaign)-\(context.plan.asOf).jsonl.zst").path
        let file = try AtomicFile(path: path, permissions: .ownerOnly)
        try bytes.withUnsafeBytes { try file.write($0) }
        try file.commit()
        return path
    }

    private static let chunk = 1 << 18
}
