import Foundation
import Postgres

/// The shard map of PostgreSQL's own sharding: the member-keyed relations hash-partitioned on
/// `member_id`, their partitions local tables or postgres_fdw foreign tables on other servers.
///
/// Read from `pg_partitioned_table`, `pg_partition_tree` and each leaf's bound, `pg_foreign_table`
/// (the remote schema and table), `pg_foreign_server` (host, port, dbname) and `pg_user_mappings`.
enum ForeignPartitionCatalog {
    static func layout(_ connection: Connection, schema: String, credentials: ShardCredentials) throws -> SourceLayout {
        var partitioned: [MemberKeyedRelation] = []
        var plain: [String] = []
        for relation in MemberKeyedRelation.allCases {
            let row = try connection.query(
                ShardCatalogQuery.relation(schema: schema, table: relation.rawValue), operation: "read how \(schema).\(relation.rawValue) is stored"
            ).first
            let kind = try row?.decodeIfPresent(0, as: String.self)
            let strategy = try row?.decodeIfPresent(1, as: String.self)
            let keyColumns = try row?.decodeIfPresent(2, as: Int.self)
            let key = try row?.decodeIfPresent(3, as: String.self)
            if kind == "p", strategy == "h", keyColumns == 1, key == "member_id" {
                partitioned.append(relation)
            } else {
                plain.append("\(relation.rawValue) (\(Self.describe(kind: kind, strategy: strategy, key: key)))")
            }
        }
        guard !partitioned.isEmpty else {
            return .oneServer(reason: "the member-keyed relations of \(schema) are not hash-partitioned by member_id")
        }
        guard plain.isEmpty else {
            throw PipelineError(
                .configuration,
                "\(schema) is partly sharded: \(partitioned.map(\.rawValue).joined(separator: ", ")) hash-partitioned by member_id, but " + plain.joined(separator: ", "),
                fix: ShardMapAssembly.fix)
        }
        var leaves: [MemberKeyedRelation: [PartitionLeaf]] = [:]
        var serverNames: [String] = []
        for relation in MemberKeyedRelation.allCases {
            let qualified = QualifiedRelation(schema: schema, table: relation.rawValue)
            for row in try connection.query(ShardCatalogQuery.leaves(of: qualified), operation: "read the partitions of \(qualified)") {
                let local = QualifiedRelation(schema: try row.decode(0), table: try row.decode(1))
                let kind: String = try row.decode(2)
                let level: Int = try row.decode(3)
                let bound = try row.decodeIfPresent(4, as: String.self) ?? ""
                guard level == 1, let bucket = Self.bucket(bound) else {
                    throw PipelineError(
                        .configuration, "\(local) is not a direct hash partition of \(qualified) (\(bound.isEmpty ? "level \(level)" : bound)): sub-partitioned shards are not read shard by shard",
                        fix: ShardMapAssembly.fix)
                }
                var serverName: String?
                var remote = local
                if kind == "f" {
                    let wrapper = try row.decodeIfPresent(6, as: String.self)
                    guard wrapper == "postgres_fdw", let name = try row.decodeIfPresent(5, as: String.self) else {
                        throw PipelineError(
                            .configuration, "\(local) is a foreign table of the wrapper \(wrapper ?? "?"), not postgres_fdw: the pipeline cannot read its server directly",
                            fix: ShardMapAssembly.fix)
                    }
                    serverName = name
                    if !serverNames.contains(name) { serverNames.append(name) }
                    remote = QualifiedRelation(schema: try row.decode(7), table: try row.decode(8))
                } else if kind != "r" {
                    throw PipelineError(.configuration, "\(local) (relkind \(kind)) is neither a table nor a foreign table", fix: ShardMapAssembly.fix)
                }
                leaves[relation, default: []].append(
                    PartitionLeaf(bucket: bucket, serverName: serverName, relation: remote, localName: local.description))
            }
        }
        var servers: [String: ShardServer] = [:]
        for name in serverNames {
            let options = try connection.query(ShardCatalogQuery.serverOptions(name), operation: "read the options of foreign server \(name)")
                .map { (try $0.decode(1, as: String.self), try $0.decode(2, as: String.self)) }
            servers[name] = credentials.server(named: name, options: options)
        }
        return .sharded(try ShardMapAssembly.assemble(provider: .postgresFDW, schema: schema, leaves: leaves, servers: servers))
    }

    /// `FOR VALUES WITH (modulus 4, remainder 2)` → the bucket; nil for any other bound.
    static func bucket(_ bound: String) -> ShardBucket? {
        func number(after word: String) -> Int? {
            guard let range = bound.range(of: word + " ") else { return nil }
            return Int(bound[range.upperBound...].prefix { $0.isNumber })
        }
        guard bound.hasPrefix("FOR VALUES WITH"), let modulus = number(after: "modulus"), let remainder = number(after: "remainder"),
            modulus > 0, (0..<modulus).contains(remainder)
        else { return nil }
        return .hash(modulus: modulus, remainder: remainder)
    }

    static func describe(kind: String?, strategy: String?, key: String?) -> String {
        switch (kind, strategy) {
        case (nil, _): "missing"
        case ("p", "h"?): "hash-partitioned by \(key ?? "an expression")"
        case ("p", "r"?): "range-partitioned"
        case ("p", "l"?): "list-partitioned"
        case ("v", _): "a view"
        case ("f", _): "a foreign table"
        case ("m", _): "a materialized view"
        default: "a plain table"
        }
    }
}
