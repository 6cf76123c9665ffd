import Postgres

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
