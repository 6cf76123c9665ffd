import Postgres

/// The shard map of a Citus cluster: the four member-keyed relations distributed by hash of
/// `member_id` in one co-location group, each shard a table `<name>_<shardid>` on its worker node.
///
/// Read from `pg_dist_partition` (method, column, co-location), `pg_dist_shard` (hash ranges),
/// `pg_dist_placement` and `pg_dist_node` (the node of each shard's first active placement). Workers are
/// reached at the node's host and port with the coordinator's database and user, unless
/// `[shards.servers]` names the node as `"host:port"`. Only consulted when the extension is installed.
enum CitusShardCatalog {
    static func map(_ connection: Connection, schema: String, credentials: ShardCredentials) throws -> ShardMap? {
        guard try connection.query(ShardCatalogQuery.citusVersion, operation: "look for Citus").scalar(String.self) != nil else { return nil }
        var distributed: [MemberKeyedRelation: Int64] = [:]
        for relation in MemberKeyedRelation.allCases {
            let qualified = QualifiedRelation(schema: schema, table: relation.rawValue)
            guard let row = try connection.query(ShardCatalogQuery.citusDistribution(qualified), operation: "read the distribution of \(qualified)").first
            else { continue }
            let method: String = try row.decode(0)
            guard method == "h", try row.decodeIfPresent(1, as: String.self) == "member_id" else {
                throw PipelineError(.configuration, "\(qualified) is a Citus table not distributed by hash of member_id", fix: ShardMapAssembly.fix)
            }
            distributed[relation] = try row.decode(2)
        }
        guard !distributed.isEmpty else { return nil }
        guard distributed.count == MemberKeyedRelation.allCases.count, Set(distributed.values).count == 1 else {
            throw PipelineError(
                .configuration, "the member-keyed relations of \(schema) are not one Citus co-location group (distributed: \(distributed.keys.map(\.rawValue).sorted().joined(separator: ", ")))",
                fix: "create_distributed_table each of members, member_channels, member_locations and transactions on member_id with colocate_with the others, or set source.shards = \"off\"")
        }
        var leaves: [MemberKeyedRelation: [PartitionLeaf]] = [:]
        var servers: [String: ShardServer] = [:]
        for relation in MemberKeyedRelation.allCases {
            let qualified = QualifiedRelation(schema: schema, table: relation.rawValue)
            for row in try connection.query(ShardCatalogQuery.citusShards(qualified), operation: "read the shards of \(qualified)") {
                let shardId: Int64 = try row.decode(0)
                let host: String = try row.decode(3)
                let port: Int = try row.decode(4)
                let name = "\(host):\(port)"
                if servers[name] == nil {
                    servers[name] = credentials.server(
                        named: name, options: [("host", host), ("port", String(port)), ("dbname", credentials.database)])
                }
                leaves[relation, default: []].append(PartitionLeaf(
                    bucket: .hashRange(lower: try row.decode(1), upper: try row.decode(2)), serverName: name,
                    relation: QualifiedRelation(schema: try row.decode(6), table: "\(try row.decode(5, as: String.self))_\(shardId)"),
                    localName: "\(qualified) shard \(shardId)"))
            }
        }
        return try ShardMapAssembly.assemble(provider: .citus, schema: schema, leaves: leaves, servers: servers)
    }
}
