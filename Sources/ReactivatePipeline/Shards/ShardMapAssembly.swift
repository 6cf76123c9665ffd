/// Matches the leaves of the four member-keyed relations into shards, or says why they do not match.
///
/// Pure, so the co-location rules are tested without a server: one modulus (or one set of Citus
/// ranges) for all four relations, every bucket present in each, and each bucket's four partitions on
/// one server.
enum ShardMapAssembly {
    static let fix = "partition members, member_channels, member_locations and transactions by hash of member_id the same way (same buckets, each bucket's four partitions on one server), or set source.shards = \"off\" in the pipeline file to read everything through this server"

    static func assemble(
        provider: ShardMap.Provider, schema: String, leaves: [MemberKeyedRelation: [PartitionLeaf]], servers: [String: ShardServer]
    ) throws -> ShardMap {
        let order = MemberKeyedRelation.allCases
        var buckets: [MemberKeyedRelation: [ShardBucket: PartitionLeaf]] = [:]
        for relation in order {
            var byBucket: [ShardBucket: PartitionLeaf] = [:]
            for leaf in leaves[relation] ?? [] {
                guard byBucket[leaf.bucket] == nil else {
                    throw PipelineError(.configuration, "\(schema).\(relation.rawValue) has two partitions for \(leaf.bucket)", fix: fix)
                }
                byBucket[leaf.bucket] = leaf
            }
            guard !byBucket.isEmpty else {
                throw PipelineError(.configuration, "\(schema).\(relation.rawValue) is partitioned but has no partitions", fix: fix)
            }
            buckets[relation] = byBucket
        }
        let reference = buckets[.members] ?? [:]
        if case .hash = reference.keys.first {
            let moduli = Set(order.flatMap { relation in (buckets[relation] ?? [:]).keys.compactMap { bucket -> Int? in
                if case .hash(let modulus, _) = bucket { return modulus }
                return nil
            } })
            guard moduli.count == 1, let modulus = moduli.first else {
                throw PipelineError(
                    .configuration,
                    "the member-keyed relations of \(schema) are hash-partitioned with different moduli (\(moduli.sorted().map(String.init).joined(separator: ", "))): their buckets do not hold the same members",
                    fix: fix)
            }
            let missing = (0..<modulus).filter { reference[.hash(modulus: modulus, remainder: $0)] == nil }
            guard missing.isEmpty else {
                throw PipelineError(
                    .configuration,
                    "\(schema).members has no partition for remainder \(missing.map(String.init).joined(separator: ", ")) of modulus \(modulus)",
                    fix: fix)
            }
        }
        for relation in order.dropFirst() {
            let keys = Set((buckets[relation] ?? [:]).keys)
            guard keys == Set(reference.keys) else {
                let only = keys.symmetricDifference(reference.keys).sorted().first.map { "\($0)" } ?? ""
                throw PipelineError(
                    .configuration,
                    "\(schema).\(relation.rawValue) is not partitioned like \(schema).members (they differ at \(only)): their buckets do not hold the same members",
                    fix: fix)
            }
        }
        var shards: [Shard] = []
        for (index, bucket) in reference.keys.sorted().enumerated() {
            let parts = order.map { (relation: $0, leaf: buckets[$0]![bucket]!) }
            let places = Set(parts.map(\.leaf.serverName))
            guard places.count == 1, let place = places.first else {
                let where_ = parts.map { "\($0.relation.rawValue) on \($0.leaf.serverName.map { "server \($0)" } ?? "the coordinator")" }
                throw PipelineError(
                    .configuration,
                    "the member-keyed relations of \(schema) are not co-located: \(bucket) has " + where_.joined(separator: ", "),
                    fix: fix)
            }
            var server: ShardServer?
            if let place {
                guard let known = servers[place] else {
                    throw PipelineError(.configuration, "the foreign server \(place) of \(schema) is not in the catalog", fix: fix)
                }
                server = known
            }
            let relation = { (name: MemberKeyedRelation) in parts.first { $0.relation == name }!.leaf.relation }
            shards.append(Shard(
                index: index, bucket: bucket, server: server,
                relations: SourceRelations(
                    members: relation(.members), memberChannels: relation(.memberChannels),
                    memberLocations: relation(.memberLocations), transactions: relation(.transactions))))
        }
        return ShardMap(provider: provider, shards: shards)
    }
}
