import Foundation
import Postgres
import ReactivateCore

/// Everything a run depends on, resolved and checked once before any stage starts.
///
/// The runner builds it from the request and the server's clock and time-zone rules; stages receive
/// these typed values and never re-derive them. Anything invalid is a configuration error (exit 2)
/// raised before the ledger or any result table is written.
public struct RunPlan: Sendable {
    public let config: PipelineConfig
    public let mode: RunMode
    /// The run date D.
    public let asOf: CalendarDay
    /// D 00:00 in the business time zone: only data before this instant counts.
    public let cutoff: Instant
    /// When this wave's coupons are (or were) stamped: the wave's recorded time, else `--issue-at`,
    /// else the run's start (the issue stage then stamps the moment it issues, minutes later). A
    /// backfill never issues and uses the cut-off. The target stage anchors cooldown here; the issue
    /// stage at the wave's stamped time, with the same ``CooldownRule``.
    public let issueTime: Instant
    /// The issue time when it is fixed before issuing (`--issue-at`, or the wave's recorded time); nil
    /// when the issue stage stamps the wave with the moment it issues, as SPEC's wave time says.
    public let fixedIssueTime: Instant?
    /// The server's clock, read once.
    public let now: Instant
    /// Today in the business time zone.
    public let today: CalendarDay
    public let sourceSchema: SQLIdentifier
    /// For the attribute stage: only this wave.
    public let attributeWave: CalendarDay?
    /// Parallel slices of the member-id space.
    public let sliceCount: Int
    /// Shards worked on at once (`run --jobs`); results do not depend on it.
    public let jobs: Int

    public var campaign: String { config.campaign }
    public var timeZone: String { config.businessTimeZone }
    public var cooldown: CooldownRule { CooldownRule(days: config.cooldownDays) }

    /// Attribution observes outcomes up to the cut-off, and never past the server's clock.
    public var observationEnd: Instant { min(cutoff, now) }

    init(
        config: PipelineConfig, mode: RunMode, asOf: CalendarDay, cutoff: Instant, issueTime: Instant, fixedIssueTime: Instant?, now: Instant,
        today: CalendarDay, sourceSchema: SQLIdentifier, attributeWave: CalendarDay?, sliceCount: Int, jobs: Int = 2
    ) {
        self.config = config
        self.mode = mode
        self.asOf = asOf
        self.cutoff = cutoff
        self.issueTime = issueTime
        self.fixedIssueTime = fixedIssueTime
        self.now = now
        self.today = today
        self.sourceSchema = sourceSchema
        self.attributeWave = attributeWave
        self.sliceCount = sliceCount
        self.jobs = max(1, jobs)
    }

    /// Resolves the plan of `request` against the server, or throws a configuration error naming the fix.
    public static func resolve(_ request: PipelineRunner.Request, connection: Connection) throws -> RunPlan {
        let config = request.config
        let schema = try Identifier.validate(config.sourceSchema, what: "source.schema")
        let zone = config.businessTimeZone
        let known = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(zone))", operation: "check the time zone"
        ).scalar(Bool.self) ?? false
        guard known else {
            throw PipelineError(
                .configuration, "source.business_timezone '\(zone)' is not a time zone this PostgreSQL server knows",
                fix: "use an IANA zone name such as Asia/Shanghai (SELECT name FROM pg_timezone_names lists them)")
        }
        let clock = try connection.query(
            """
            SELECT \(PostgresUnits.microseconds("now()")), \(PostgresUnits.dayNumber("(now() AT TIME ZONE \(zone))::date"))
            """, operation: "read the server's clock")
        guard let row = clock.first else { throw PipelineError(.runtime, "the server returned no clock") }
        let now = Instant(microseconds: try row.decode(0, as: Int64.self))
        let today = CalendarDay(try row.decode(1, as: Int32.self))
        let asOf: CalendarDay
        switch request.asOf {
        case .day(let day): asOf = day
        case .today: asOf = today
        }
        // The cut-off is the one place "D 00:00 in the business time zone" is computed, by the server's tz rules.
        guard let cutoffMicros = try connection.query(
            "SELECT \(PostgresUnits.microseconds("(\(asOf)::date::timestamp AT TIME ZONE \(zone))"))", operation: "resolve the run's cut-off"
        ).scalar(Int64.self) else { throw PipelineError(.runtime, "the server returned no cut-off") }
        let cutoff = Instant(microseconds: cutoffMicros)
        guard asOf <= today else {
            throw PipelineError(
                .configuration, "--as-of \(asOf) is after today (\(today) in \(zone)): its data does not exist yet",
                fix: "pass a date up to today (`--as-of today` names it)")
        }
        if let wave = request.attributeWave, wave > asOf.number {
            throw PipelineError(
                .configuration, "--wave \(CalendarDay(wave)) is after --as-of \(asOf)",
                fix: "attribute a wave as of a date on or after it")
        }
        var issueTime = request.mode == .backfill ? cutoff : now
        var fixedIssueTime: Instant?
        let waves = try connection.query("SELECT to_regclass('reactivation.waves') IS NOT NULL").scalar(Bool.self) ?? false
        if request.mode != .backfill {
            if waves, let recorded = try connection.query(
                "SELECT \(PostgresUnits.microseconds("issued_at")) FROM reactivation.waves WHERE campaign = \(config.campaign) AND as_of = \(asOf)",
                operation: "read the wave's issue time"
            ).scalar(Int64.self) {
                issueTime = Instant(microseconds: recorded)
                fixedIssueTime = issueTime
            } else if let pinned = request.issueAt {
                // A pinned time matters for a wave still to be issued; a recorded wave keeps its own.
                let issuing = request.stages?.contains(.issue) ?? true
                if issuing, pinned < cutoff.microseconds {
                    throw PipelineError(
                        .configuration, "--issue-at is before \(asOf) 00:00 in \(zone), the wave's own cut-off",
                        fix: "pin the issue time on or after the as-of date's midnight")
                }
                issueTime = Instant(microseconds: pinned)
                fixedIssueTime = issueTime
            }
        }
        return RunPlan(
            config: config, mode: request.mode, asOf: asOf, cutoff: cutoff, issueTime: issueTime, fixedIssueTime: fixedIssueTime, now: now, today: today,
            sourceSchema: schema, attributeWave: request.attributeWave.map(CalendarDay.init), sliceCount: max(1, request.sliceCount),
            jobs: request.jobs)
    }
}
