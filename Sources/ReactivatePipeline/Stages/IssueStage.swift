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
/// so codes already committed never change. The delivery file is written from the committed rows after
/// the commit, to a temporary name and renamed, so a rerun can always rebuild it.
public struct IssueStage: Stage {
    public let name = StageName.issue
    /// Where new codes come from: the system CSPRNG; tests hand in clashes.
    let drawCode: @Sendable () -> String

    public init() {
        self.init(drawCode: { CouponCode.random().canonical })
    }

    init(drawCode: @escaping @Sendable () -> String) {
        self.drawCode = drawCode
    }

    public func run(_ context: StageContext) throws -> StageResult {
        guard context.mode == .live else {
            return StageResult(rowsIn: 0, rowsOut: 0, stats: ["issued": 0, "note": .string("\(context.mode.rawValue) run: no coupon written")])
        }
        let config = context.config
        let connection = try context.connect()
        let cutoff = try Self.cutoffMicros(connection, asOf: context.asOf, timeZone: config.businessTimeZone)
        if let pinned = context.issueAt, pinned < cutoff {
            throw PipelineError(
                .configuration, "--issue-at is before \(context.asOf) 00:00 in \(config.businessTimeZone)",
                fix: "pin the issue time on or after the as-of date's midnight")
        }
        let outcome = try connection.transaction { try issue(context, connection: connection) }
        let file = try DeliveryFile.write(context: context, connection: connection)
        try connection.query(
            "UPDATE reactivation.waves SET delivery_file = $3 WHERE campaign = $1 AND as_of = $2::date",
            [config.campaign, context.asOf, file])
        return StageResult(
            rowsIn: outcome.treated, rowsOut: outcome.issued,
            stats: [
                "treated": JSONValue(outcome.treated), "issued_now": JSONValue(outcome.issued),
                "already_issued": JSONValue(outcome.alreadyIssued), "skipped": .object(outcome.skipped.mapValues { JSONValue($0) }),
                "issued_at": .string(outcome.issuedAt), "delivery_file": .string(file),
                "face_value_total": JSONValue(Double(outcome.faceValueTotalCents) / 100),
            ])
    }

    struct Outcome {
        var treated = 0
        var issued = 0
        var alreadyIssued = 0
        var skipped: [String: Int] = [:]
        var issuedAt = ""
        var faceValueTotalCents: Int64 = 0
    }

    static func cutoffMicros(_ connection: Connection, asOf: String, timeZone: String) throws -> Int64 {
        let value = try connection.query(
            "SELECT (extract(epoch FROM ($1::date::timestamp AT TIME ZONE $2)) * 1000000)::int8 - 946684800000000",
            [asOf, timeZone]).scalar
        return Int64(value ?? "") ?? 0
    }

    func issue(_ context: StageContext, connection: Connection) throws -> Outcome {
        let config = context.config
        var outcome = Outcome()
        let wave: [any PostgresParameter] = [config.campaign, context.asOf]
        let pinned: String? = context.issueAt.map { micros in
            "\(Double(micros) / 1_000_000 + 946_684_800)"
        }
        try connection.query(
            """
            INSERT INTO reactivation.waves (campaign, as_of, run_id, issued_at, status)
            VALUES ($1, $2::date, $3, coalesce(to_timestamp($4::float8), now()), 'issuing')
            ON CONFLICT (campaign, as_of) DO NOTHING
            """, [config.campaign, context.asOf, context.runId, pinned], operation: "open wave")
        let waveRow = try connection.query(
            "SELECT issued_at, to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM reactivation.waves WHERE campaign = $1 AND as_of = $2::date FOR UPDATE",
            wave, operation: "lock wave")
        outcome.issuedAt = waveRow.rows.first?[1] ?? ""
        try connection.query(
            "SELECT set_config('reactivate.campaign', $1, true), set_config('reactivate.as_of', $2, true), set_config('reactivate.cooldown', $3, true)",
            [config.campaign, context.asOf, String(config.cooldownDays)])
        // Treated members without a coupon yet, with whether another campaign reached them in the cooldown.
        struct Pending { var memberId: Int64; var storeId: Int64; var channel: String; var cooling: Bool }
        var pending: [Pending] = []
        try connection.copyOut(
            """
            COPY (
              SELECT t.member_id, t.store_id, coalesce(t.channel, 'sms'),
                     EXISTS (SELECT 1 FROM reactivation.coupons o
                             WHERE o.member_id = t.member_id AND NOT (o.campaign = t.campaign AND o.as_of = t.as_of)
                               AND o.issued_at > w.issued_at - make_interval(days => current_setting('reactivate.cooldown')::int)
                               AND o.issued_at <= w.issued_at)
              FROM reactivation.targets t
              JOIN reactivation.waves w ON w.campaign = t.campaign AND w.as_of = t.as_of
              LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
              WHERE t.campaign = current_setting('reactivate.campaign') AND t.as_of = current_setting('reactivate.as_of')::date
                AND t.arm = 'treatment' AND c.code IS NULL
              ORDER BY t.score DESC, t.member_id
            ) TO STDOUT (FORMAT binary)
            """, fieldCount: 4, operation: "read treated members without a coupon"
        ) { row in
            pending.append(Pending(memberId: try row.int64(0), storeId: try row.int64(1), channel: try row.text(2), cooling: try row.bool(3)))
        }
        let existing = try connection.query(
            "SELECT count(*), coalesce(sum(face_value) * 100, 0)::int8 FROM reactivation.coupons WHERE campaign = $1 AND as_of = $2::date",
            wave)
        outcome.alreadyIssued = Int(existing.rows.first?[0] ?? "0") ?? 0
        var issuedCount = outcome.alreadyIssued
        var faceTotal = Int64(existing.rows.first?[1] ?? "0") ?? 0
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
        // Codes come from the system CSPRNG (80 bits); a clash with any earlier code is astronomically
        // rare, so the batch is inserted plainly — `ON CONFLICT DO NOTHING` cost a third more per coupon —
        // and on a clash the savepoint is rolled back and the batch drawn again. Members cannot clash:
        // the wave row lock serializes issuers and `pending` excludes members with a coupon.
        var attempts = 0
        while !toIssue.isEmpty {
            attempts += 1
            guard attempts <= 5 else { throw PipelineError(.runtime, "could not find unused coupon codes after 5 attempts") }
            try connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS new_coupons (code text, member_id bigint, store_id bigint, channel text) ON COMMIT DROP; TRUNCATE new_coupons")
            try connection.copyIn("COPY new_coupons FROM STDIN (FORMAT binary)", operation: "stage new coupons") { writer in
                for member in toIssue {
                    writer.encoder.beginRow(fieldCount: 4)
                    writer.encoder.append(drawCode())
                    writer.encoder.append(member.memberId)
                    writer.encoder.append(member.storeId)
                    writer.encoder.append(member.channel)
                    try writer.rowDone()
                }
            }
            try connection.execute("SAVEPOINT new_codes")
            do {
                try connection.query(
                    """
                    WITH w AS (SELECT issued_at FROM reactivation.waves WHERE campaign = $1 AND as_of = $2::date),
                    inserted AS (
                      INSERT INTO reactivation.coupons (code, campaign, as_of, run_id, member_id, store_id, channel, face_value, min_spend, issued_at, expires_at)
                      SELECT n.code, $1, $2::date, $3, n.member_id, n.store_id, n.channel, $4::numeric / 100, $5::numeric / 100,
                             w.issued_at, w.issued_at + make_interval(days => $6)
                      FROM new_coupons n, w
                      RETURNING code, channel, member_id)
                    INSERT INTO reactivation.coupon_outbox (code, channel, member_id) SELECT code, channel, member_id FROM inserted
                    """,
                    [config.campaign, context.asOf, context.runId, config.faceValueCents, config.minSpendCents, config.validDays],
                    operation: "insert coupons and outbox rows")
            } catch let error as PostgresError where error.sqlState == "23505" && error.constraint == "coupons_pkey" {
                try connection.execute("ROLLBACK TO SAVEPOINT new_codes")
                context.logger.warning("a new coupon code clashed with an existing one; drawing the batch again", metadata: ["attempt": "\(attempts)"])
                continue
            }
            try connection.execute("RELEASE SAVEPOINT new_codes")
            outcome.issued += toIssue.count
            toIssue = []
        }
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
        for (_, reason) in skips { outcome.skipped[reason, default: 0] += 1 }
        outcome.faceValueTotalCents = faceTotal
        try connection.query(
            """
            UPDATE reactivation.waves SET status = 'issued', run_id = $3,
                   coupons = (SELECT count(*) FROM reactivation.coupons WHERE campaign = $1 AND as_of = $2::date),
                   skipped = (SELECT count(*) FROM reactivation.coupon_skips WHERE campaign = $1 AND as_of = $2::date)
            WHERE campaign = $1 AND as_of = $2::date
            """, [config.campaign, context.asOf, context.runId], operation: "close wave")
        return outcome
    }
}

/// The per-wave file a channel sender picks up: zstd-compressed JSON lines, owner-readable only.
enum DeliveryFile {
    static func write(context: StageContext, connection: Connection) throws -> String {
        let path = context.artifactDirectory.appendingPathComponent("delivery-\(context.config.campaign)-\(context.asOf).jsonl.zst").path
        try connection.query(
            "SELECT set_config('reactivate.campaign', $1, false), set_config('reactivate.as_of', $2, false)",
            [context.config.campaign, context.asOf])
        let compressor = try ZstdCompressor(level: 3)
        let file = try AtomicFile(path: path)
        var line: [UInt8] = []
        try connection.copyOut(
            """
            COPY (SELECT code, member_id, channel, store_id,
                         to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                  FROM reactivation.coupons
                  WHERE campaign = current_setting('reactivate.campaign') AND as_of = current_setting('reactivate.as_of')::date
                  ORDER BY code) TO STDOUT (FORMAT binary)
            """, fieldCount: 5, operation: "read coupons for the delivery file"
        ) { row in
            line.removeAll(keepingCapacity: true)
            let text = "{\"code\":\"\(try row.text(0))\",\"member_id\":\(try row.int64(1)),\"channel\":\"\(try row.text(2))\",\"store_id\":\(try row.int64(3)),\"expires_at\":\"\(try row.text(4))\"}\n"
            line.append(contentsOf: text.utf8)
            try line.withUnsafeBytes { bytes in try compressor.compress(bytes) { try file.write($0) } }
        }
        try compressor.finish { try file.write($0) }
        try file.commit()
        return path
    }
}

/// Writes a whole text file atomically (reports): readers see the old file or the new one.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        var text = text
        try text.withUTF8 { try file.write(UnsafeRawBufferPointer($0)) }
        try file.commit()
    }
}

/// A file written under a temporary name (mode 0600), fsynced and renamed into place on commit;
/// removed if never committed, so readers see the old file or the whole new one.
final class AtomicFile {
    let path: String
    let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    init(path: String) throws {
        self.path = path
        temporaryPath = "\(path).tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw PipelineError(.runtime, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))",
                fix: "make the artifact folder writable and check free disk space")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw PipelineError(.runtime, "cannot write \(temporaryPath): \(String(cString: strerror(errno)))",
                    fix: "check free disk space and permissions of the artifact folder")
            }
            offset += written
        }
    }

    func commit() throws {
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw PipelineError(.runtime, "cannot flush \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            throw PipelineError(.runtime, "cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
        committed = true
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporaryPath) }
    }
}
