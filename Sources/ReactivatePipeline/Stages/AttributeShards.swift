import Postgres
import ReactivateCore
import Synchronization

/// Attribution over a member-sharded source: each shard's purchases in the wave's window are read
/// straight from its own server, not through the coordinator.
///
/// The coordinator holds what the pipeline wrote (targets, coupons); the shards hold the purchases.
/// The wave's members are read once from the coordinator, every shard's window is streamed on up to
/// `--jobs` threads and folded per member, and the per-member folds merge exactly (sums, ORs, minima)
/// into the same sufficient statistics the one-server query gives.
extension AttributeStage {
    /// The wave's targeted members as the coordinator has them, indexed by member id.
    struct WaveMembers: Sendable {
        var ids: [Int64] = []
        var treated: [Bool] = []
        var stores: [Int64] = []
        var segments: [String] = []
        var preSalesCents: [Int64] = []
        /// The member's coupon code (nil in the control arm) as UTF-8, compared with each purchase's.
        var codes: [[UInt8]?] = []
        var faceValueCents: [Int64] = []
        var position: [Int64: Int32] = [:]

        var count: Int { ids.count }

        static func read(_ connection: Connection, plan: RunPlan, wave: Wave) throws -> WaveMembers {
            var members = WaveMembers()
            try connection.copyOut(AttributeQuery.waveMembers(plan, wave: wave), fieldCount: 7, operation: "read the wave's members") { row in
                let id = try row.int64(0)
                members.position[id] = Int32(members.ids.count)
                members.ids.append(id)
                members.treated.append(try row.bool(1))
                members.stores.append(try row.int64(2))
                members.segments.append(try row.text(3))
                members.preSalesCents.append(try row.int64(4))
                members.codes.append(row.isNull(5) ? nil : Array(row.bytes(5)))
                members.faceValueCents.append(try row.int64(6))
            }
            return members
        }
    }

    /// One member's purchases in the window: what the one-server query aggregates per member.
    struct WindowTally: Sendable {
        var salesCents: Int64 = 0
        var reactivated = false
        var redeemed = false
        /// First day since issue (1-based) with a purchase (amount > 0); 0 when none.
        var firstPurchaseDay: Int32 = 0

        mutating func merge(_ other: WindowTally) {
            salesCents += other.salesCents
            reactivated = reactivated || other.reactivated
            redeemed = redeemed || other.redeemed
            if other.firstPurchaseDay > 0, firstPurchaseDay == 0 || other.firstPurchaseDay < firstPurchaseDay {
                firstPurchaseDay = other.firstPurchaseDay
            }
        }
    }

    /// One shard's window, folded: per wave member seen there, and sales per arm and day.
    struct ShardWindow: Sendable {
        var members: [Int32: WindowTally] = [:]
        /// Index 0 treatment, 1 control; then day since issue − 1.
        var dailySalesCents: [[Int64]]
        var transactions = 0

        init(days: Int) { dailySalesCents = Array(repeating: Array(repeating: 0, count: days), count: 2) }
    }

    /// The wave's statistics with every shard's window read on its own server.
    static func attributeShardByShard(_ wave: Wave, context: StageContext, map: ShardMap) throws -> (WaveStatistics, [JSONValue]) {
        let members = try WaveMembers.read(try context.connect(), plan: context.plan, wave: wave)
        let days = context.config.windowDays
        let windows = Mutex<[Int: ShardWindow]>([:])
        let failure = Mutex<(any Error)?>(nil)
        let next = Mutex(0)
        ExtractStage.onThreads(min(max(1, context.jobs), map.shards.count)) { _ in
            while failure.withLock({ $0 == nil }) {
                let index = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard index < map.shards.count else { return }
                let shard = map.shards[index]
                do {
                    try Cancellation.shared.checkpoint()
                    let window = try readWindow(shard, wave: wave, members: members, days: days, context: context)
                    windows.withLock { $0[index] = window }
                } catch {
                    let named = shard.failure(error, redo: "the attribution is read again from every shard and gives the same result")
                    failure.withLock { if $0 == nil { $0 = named } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let perShard = windows.withLock { $0 }
        return (try fold(perShard.keys.sorted().compactMap { perShard[$0] }, members: members, days: days),
                map.shards.map { shard in
                    .object(["shard": JSONValue(shard.index), "transactions": JSONValue(perShard[shard.index]?.transactions ?? 0)])
                })
    }

    /// One shard's purchases in the window, folded per wave member; other members' rows are skipped.
    static func readWindow(_ shard: Shard, wave: Wave, members: WaveMembers, days: Int, context: StageContext) throws -> ShardWindow {
        let connection = try context.connect(to: shard.server?.connectionString ?? context.connectionString)
        var window = ShardWindow(days: days)
        try connection.copyOut(
            AttributeQuery.windowTransactions(shard.relations.transactions, wave: wave), fieldCount: 4,
            operation: "read the wave's window in \(shard.relations.transactions)"
        ) { row in
            window.transactions += 1
            guard let position = members.position[try row.int64(0)] else { return }
            let member = Int(position)
            let cents = try row.cents(2)
            let day = Int32((try row.timestamp(1) - wave.issuedAt) / PostgresEpoch.microsecondsPerDay) + 1
            var tally = window.members[position] ?? WindowTally()
            tally.salesCents += cents
            if cents > 0 {
                tally.reactivated = true
                if tally.firstPurchaseDay == 0 || day < tally.firstPurchaseDay { tally.firstPurchaseDay = day }
                if !tally.redeemed, let code = members.codes[member], !row.isNull(3), row.bytes(3).elementsEqual(code) {
                    tally.redeemed = true
                }
            }
            window.members[position] = tally
            if (1...days).contains(Int(day)) { window.dailySalesCents[members.treated[member] ? 0 : 1][Int(day) - 1] += cents }
        }
        return window
    }

    /// The shards' folds merged per member, then added up by arm, store, segment and day.
    static func fold(_ windows: [ShardWindow], members: WaveMembers, days: Int) throws -> WaveStatistics {
        var tallies = Array(repeating: WindowTally(), count: members.count)
        var statistics = WaveStatistics()
        statistics.windowDays = days
        var dailySales = Array(repeating: Array(repeating: Int64(0), count: days), count: 2)
        var dailyFirsts = dailySales
        for window in windows {
            for (position, tally) in window.members { tallies[Int(position)].merge(tally) }
            for arm in 0..<2 { for day in 0..<days { dailySales[arm][day] += window.dailySalesCents[arm][day] } }
        }
        for member in 0..<members.count {
            let tally = tallies[member]
            let outcome = try MemberOutcome(
                salesCents: tally.salesCents, preSalesCents: members.preSalesCents[member], reactivated: tally.reactivated,
                redeemed: tally.redeemed, redeemedFaceValueCents: tally.redeemed ? members.faceValueCents[member] : 0)
            statistics.add(outcome, treated: members.treated[member], store: members.stores[member], segment: members.segments[member])
            let day = Int(tally.firstPurchaseDay)
            if (1...days).contains(day) { dailyFirsts[members.treated[member] ? 0 : 1][day - 1] += 1 }
        }
        for (index, arm) in [Arm.treatment, .control].enumerated() {
            statistics.dailySalesCents[arm.rawValue] = dailySales[index]
            statistics.dailyFirstPurchasers[arm.rawValue] = dailyFirsts[index]
        }
        return statistics
    }
}
