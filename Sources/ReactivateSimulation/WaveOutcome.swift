import Foundation
import ReactivateCore

/// Both potential outcomes of one member in one wave: the transactions in the window if treated and if not.
///
/// The organic purchases (the BG/NBD process continued from the member's state at the cut-off) are the
/// same draws in both arms — common random numbers — so `treated` differs from `control` only by the
/// coupon: one extra induced purchase (with probability `upliftIfAlive` / `upliftIfDroppedOut`) carrying
/// the code, or else, sometimes, the code on an organic purchase that would have happened anyway.
public struct WaveOutcome: Sendable, Equatable {
    /// Transactions in [issuedAt, issuedAt + window) without a coupon, in time order.
    public var control: [TransactionRow]
    /// Transactions in the same window with the coupon, in time order.
    public var treated: [TransactionRow]
    /// Whether the member was alive (BG/NBD) at the issue instant.
    public var aliveAtIssue: Bool
    /// Whether the coupon caused an extra purchase (the treated arm's only source of incremental sales).
    public var induced: Bool

    /// Creates an outcome.
    public init(control: [TransactionRow], treated: [TransactionRow], aliveAtIssue: Bool, induced: Bool) {
        self.control = control
        self.treated = treated
        self.aliveAtIssue = aliveAtIssue
        self.induced = induced
    }

    /// Net sales (purchases minus refunds) in cents, per arm.
    public var controlSalesCents: Int64 { control.reduce(0) { $0 + $1.amountCents } }
    /// Net treated sales in cents.
    public var treatedSalesCents: Int64 { treated.reduce(0) { $0 + $1.amountCents } }
}
