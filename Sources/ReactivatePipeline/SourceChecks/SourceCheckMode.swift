import Foundation
import Dispatch
import Postgres
import ReactivateCore

/// Which run the checks guard; it decides only how a late feed counts.
public enum SourceCheckMode: String, Sendable {
    /// A live wave: a late feed is an error (the wave would target on stale data).
    case live
    /// A rehearsal: a late feed is a warning.
    case dryRun = "dry_run"
    /// A replay of a past date: freshness is not tested (later data exists by design).
    case backfill

    public init(_ mode: RunMode) {
        switch mode {
        case .live: self = .live
        case .dryRun: self = .dryRun
        case .backfill: self = .backfill
        }
    }
}
