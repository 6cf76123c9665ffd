/// How a run treats the outside world: `live` issues coupons, `dry_run` computes everything and writes
/// no coupon, `backfill` replays a past date without issuing.
public enum RunMode: String, Sendable, Codable, CaseIterable {
    case live
    case dryRun = "dry_run"
    case backfill
}
