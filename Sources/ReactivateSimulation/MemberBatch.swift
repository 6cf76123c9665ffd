import ReactivateCore

// Rows as the loader writes them with binary COPY: timestamps are Int64 µs since 2000-01-01 00:00 UTC
// (timestamptz), dates Int32 days since 2000-01-01 (date), money Int64 cents, optionals are NULLs.
// Each row type (StoreRow, MemberRow, …) has its own file.

/// Reusable arrays that member generation appends to, so a loader can stream members in chunks
/// without allocating per member or holding the whole base in memory.
public struct MemberBatch: Sendable, Equatable {
    /// `members` rows.
    public var members: [MemberRow] = []
    /// `member_locations` rows.
    public var locations: [MemberLocationRow] = []
    /// `member_channels` rows.
    public var channels: [MemberChannelRow] = []
    /// `transactions` rows, per member in time order.
    public var transactions: [TransactionRow] = []
    /// `sim.member_truth` rows.
    public var truths: [MemberTruthRow] = []

    /// An empty batch with room for about `memberCount` members' rows.
    public init(reservingCapacityFor memberCount: Int = 0) {
        let count = max(memberCount, 0)
        members.reserveCapacity(count)
        truths.reserveCapacity(count)
        locations.reserveCapacity(count * 3)
        channels.reserveCapacity(count * 3)
        transactions.reserveCapacity(count * 16)
    }

    /// Empties every array but keeps its storage for the next chunk.
    public mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
        locations.removeAll(keepingCapacity: true)
        channels.removeAll(keepingCapacity: true)
        transactions.removeAll(keepingCapacity: true)
        truths.removeAll(keepingCapacity: true)
    }

    /// Total rows across the five tables.
    public var rowCount: Int {
        members.count + locations.count + channels.count + transactions.count + truths.count
    }
}
