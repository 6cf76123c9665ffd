import Postgres

/// A relation named by schema and table, quoted wherever it reaches SQL.
///
/// Shard partitions live under any names on their servers (`shard.transactions_p3`), so the names come
/// from the catalog rather than the config and are carried quoted, never spliced as text.
public struct QualifiedRelation: Sendable, Hashable, CustomStringConvertible {
    public let schema: String
    public let table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"` for a FROM clause.
    public var sql: SQL { "\(identifier: schema).\(identifier: table)" }
    /// The quoted name as text, for `to_regclass($1)`.
    public var regclassText: String { Connection.quoteIdentifier(schema) + "." + Connection.quoteIdentifier(table) }
    public var description: String { "\(schema).\(table)" }
}

/// The member-keyed source relations: the ones a member-sharded source splits by `member_id`.
/// (`stores` is small and stays on the coordinator.)
public enum MemberKeyedRelation: String, Sendable, CaseIterable, Hashable {
    case members
    case memberChannels = "member_channels"
    case memberLocations = "member_locations"
    case transactions
}

/// Where the extract reads each member-keyed relation from on one server.
public struct SourceRelations: Sendable, Hashable {
    public var members: QualifiedRelation
    public var memberChannels: QualifiedRelation
    public var memberLocations: QualifiedRelation
    public var transactions: QualifiedRelation

    public init(members: QualifiedRelation, memberChannels: QualifiedRelation, memberLocations: QualifiedRelation, transactions: QualifiedRelation) {
        self.members = members
        self.memberChannels = memberChannels
        self.memberLocations = memberLocations
        self.transactions = transactions
    }

    /// The contract's names in one schema: today's one-server source.
    public init(schema: String) {
        self.init(
            members: QualifiedRelation(schema: schema, table: "members"),
            memberChannels: QualifiedRelation(schema: schema, table: "member_channels"),
            memberLocations: QualifiedRelation(schema: schema, table: "member_locations"),
            transactions: QualifiedRelation(schema: schema, table: "transactions"))
    }

    public subscript(relation: MemberKeyedRelation) -> QualifiedRelation {
        switch relation {
        case .members: members
        case .memberChannels: memberChannels
        case .memberLocations: memberLocations
        case .transactions: transactions
        }
    }
}
