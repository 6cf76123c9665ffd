import Postgres
import ReactivateCore

/// The freshness test's input when the caller read it itself: the newest `occurred_at`, nil when none.
public struct LatestTransaction: Sendable {
    public var occurredAt: Instant?
    public init(occurredAt: Instant?) { self.occurredAt = occurredAt }
}
