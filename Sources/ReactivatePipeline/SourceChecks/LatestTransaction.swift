import Postgres
import ReactivateCore

/// The freshness test's input when the caller read it itself: the newest `occurred_at`, nil when none.
public struct LatestTransaction: Sendable {
    public var occurredAt: Instant?
    public init(occurredAt: Instant?) { self.occurredAt = occurredAt }

    /// Whether a transaction at `latest` is within `maxLagDays` of the cut-off: then the newest blocks
    /// that held it settle the freshness test, as nothing older in the rest of the table could fail it.
    static func isRecent(_ latest: Instant, cutoff: Instant, maxLagDays: Int) -> Bool {
        Double(cutoff.microseconds - latest.microseconds) / 86_400_000_000 <= Double(maxLagDays)
    }
}
