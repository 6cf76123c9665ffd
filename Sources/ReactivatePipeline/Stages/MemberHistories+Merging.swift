
extension MemberHistories {
    /// Histories of disjoint member sets, each in member-id order, merged into one in member-id order
    /// (what one server holding every shard's rows yields). A member on two shards means the catalog's
    /// map does not split members as it says: an error, not a silent double.
    static func merging(_ parts: [MemberHistories], names: [String]) throws -> MemberHistories {
        if parts.count == 1 { return parts[0] }
        let total = parts.reduce(0) { $0 + $1.count }
        var order: [(part: Int32, row: Int32)] = []
        order.reserveCapacity(total)
        // The id columns alone: touching a whole `MemberHistories` per row retains all its columns.
        let ids = parts.map(\.memberId)
        var heads = Array(repeating: 0, count: parts.count)
        var previous: (id: Int64, part: Int)?
        for _ in 0..<total {
            var best = -1
            var bestId = Int64.max
            for part in ids.indices where heads[part] < ids[part].count {
                let id = ids[part][heads[part]]
                if best < 0 || id < bestId { (best, bestId) = (part, id) }
            }
            let id = bestId
            if let previous, previous.id == id {
                throw PipelineError(
                    .configuration, "member \(id) is on two shards (\(names[previous.part]) and \(names[best])): the partitions do not split members by one hash",
                    fix: ShardMapAssembly.fix)
            }
            previous = (id, best)
            order.append((Int32(best), Int32(heads[best])))
            heads[best] += 1
        }
        func gather<T>(_ column: (MemberHistories) -> [T]) -> [T] {
            let columns = parts.map(column)
            return order.map { columns[Int($0.part)][Int($0.row)] }
        }
        var merged = MemberHistories()
        merged.memberId = gather(\.memberId)
        merged.joinedDay = gather(\.joinedDay)
        merged.consent = gather(\.consent)
        merged.optedOut = gather(\.optedOut)
        merged.firstPurchaseDay = gather(\.firstPurchaseDay)
        merged.lastPurchaseDay = gather(\.lastPurchaseDay)
        merged.purchaseDays = gather(\.purchaseDays)
        merged.grossCents = gather(\.grossCents)
        merged.preSalesCents = gather(\.preSalesCents)
        merged.channelState = (0..<channelOrder.count).map { channel in gather { $0.channelState[channel] } }
        merged.channelDeliveredDay = (0..<channelOrder.count).map { channel in gather { $0.channelDeliveredDay[channel] } }
        merged.latitude = gather(\.latitude)
        merged.longitude = gather(\.longitude)
        merged.locationDay = gather(\.locationDay)
        return merged
    }
}
