import Dispatch
import Synchronization
import Postgres
import ReactivateCore

/// What the channel data tests learn from the rows of member_channels: rows per contract channel, rows
/// per value outside the contract, rows without a member, and (when no unique index guarantees it)
/// each known channel's member ids, whose repeats are the duplicated (member, channel) pairs.
///
/// Folded from one stream of (member_id, channel): the data tests' own, or the extract's channel
/// stream, which reads every row of member_channels anyway (`ChannelValueHandoff`). Names are compared
/// as bytes; a String is made only for values outside the contract.
struct ChannelValueTally: Sendable {
    static let channels = MarketingChannel.allCases
    /// The contract's names as bytes, held by each tally: read per row, so no lazy global on the row path.
    private let names = Self.channels.map { Array($0.rawValue.utf8) }

    var knownRows = [Int64](repeating: 0, count: Self.channels.count)
    var unknownRows: [String?: Int64] = [:]
    var nullMembers: Int64 = 0
    /// Per channel in `channels`, the member ids seen; nil when the pairs are not checked.
    var pairs: [KeyDuplicates]?

    init(checkPairs: Bool) {
        pairs = checkPairs ? Array(repeating: KeyDuplicates(), count: Self.channels.count) : nil
    }

    /// The index in `channels` of a channel value's bytes, nil outside the contract.
    @inline(__always)
    func code(of name: UnsafeRawBufferPointer) -> Int? {
        names.firstIndex { $0.elementsEqual(name) }
    }

    /// Adds one row whose member_id is field `member` and channel field `channel`; returns the row's
    /// member id and channel code when both are present and the channel is in the contract. Its pair
    /// is kept for the pair test unless the caller keeps it (`keepingPair: false`, then `addPairs`).
    @inline(__always)
    mutating func add(_ row: borrowing BinaryCopyRow, member: Int, channel: Int, keepingPair: Bool = true) throws -> (member: Int64, code: Int)? {
        let id = try row.optionalInt64(member)
        if id == nil { nullMembers += 1 }
        guard !row.isNull(channel) else {
            unknownRows[nil, default: 0] += 1
            return nil
        }
        guard let code = code(of: row.bytes(channel)) else {
            unknownRows[try row.text(channel), default: 0] += 1
            return nil
        }
        knownRows[code] += 1
        guard let id else { return nil }
        if keepingPair { pairs?[code].add(id) }
        return (id, code)
    }

    /// The pairs the extract's member facts kept for these rows (`MemberFacts.ChannelPairs`, channels
    /// in the artifact's order).
    mutating func addPairs(_ kept: MemberFacts.ChannelPairs) {
        guard pairs != nil else { return }
        let code = MemberHistories.channelOrder.map { Self.channels.firstIndex(of: $0) ?? 0 }
        for (id, channel) in kept.repeated { pairs?[code[channel]].addRepeat(id) }
        for (id, channel) in kept.withoutSlot { pairs?[code[channel]].add(id) }
    }
}

extension ChannelValueTally {
    /// Adds another stream's counts (another shard's rows); member ids too when both kept them.
    mutating func merge(_ other: ChannelValueTally) {
        for code in knownRows.indices { knownRows[code] += other.knownRows[code] }
        for (value, rows) in other.unknownRows { unknownRows[value, default: 0] += rows }
        nullMembers += other.nullMembers
        if var pairs, let theirs = other.pairs {
            for code in pairs.indices { pairs[code].add(contentsOf: theirs[code]) }
            self.pairs = pairs
        } else {
            pairs = nil
        }
    }

    /// The counts as the shard ledger stores them (member ids are not kept: a helper's shard is
    /// counted only where a unique index guarantees the pairs).
    var json: JSONValue {
        var known: [String: JSONValue] = [:]
        for (code, channel) in Self.channels.enumerated() { known[channel.rawValue] = JSONValue(Int(knownRows[code])) }
        var unknown: [String: JSONValue] = [:]
        for case let (value?, rows) in unknownRows { unknown[value] = JSONValue(Int(rows)) }
        return .object([
            "known": .object(known), "unknown": .object(unknown), "null_values": JSONValue(Int(unknownRows[nil] ?? 0)),
            "null_members": JSONValue(Int(nullMembers)),
        ])
    }

    /// The counts from `json`'s form, without member ids.
    init(json: JSONValue) {
        self.init(checkPairs: false)
        for (code, channel) in Self.channels.enumerated() { knownRows[code] = json["known"]?[channel.rawValue]?.integer ?? 0 }
        if case .object(let unknown)? = json["unknown"] {
            for (value, rows) in unknown { unknownRows[value] = rows.integer ?? 0 }
        }
        if let nulls = json["null_values"]?.integer, nulls > 0 { unknownRows[nil] = nulls }
        nullMembers = json["null_members"]?.integer ?? 0
    }
}

/// The extract's channel stream handing its `ChannelValueTally` to the data tests that run beside it,
/// so member_channels is read once per run instead of twice (the second read was about 0.4 s of a
/// 4.2 s extract at 1M members, on the same two cores).
///
/// The extract fulfils it once its channel stream is done, or with its error when it stops before;
/// the data tests wait for it where they would have streamed the rows themselves.
final class ChannelValueHandoff: Sendable {
    /// Whether the stream collects member ids for the pair test (no unique index guarantees the pairs).
    let checkPairs: Bool
    private let state = Mutex<Result<ChannelValueTally, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    init(checkPairs: Bool) {
        self.checkPairs = checkPairs
    }

    /// Hands over the tally, or the error that ended the stream; only the first call counts.
    func fulfill(_ result: Result<ChannelValueTally, any Error>) {
        let first = state.withLock { current -> Bool in
            guard current == nil else { return false }
            current = result
            return true
        }
        if first { ready.signal() }
    }

    /// Waits for the extract's tally; throws `ReadsEnded` when the reads stopped before handing it over.
    func tally() throws -> ChannelValueTally {
        ready.wait()
        ready.signal()  // later callers pass too
        do { return try state.withLock { $0! }.get() } catch { throw ReadsEnded(underlying: error) }
    }

    /// The reads ended without the channel counts; their own error is the stage's (not a data test's).
    struct ReadsEnded: Error, CustomStringConvertible {
        let underlying: any Error
        var description: String { "\(underlying)" }
    }
}
