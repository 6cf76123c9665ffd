import Postgres

/// Which slice of the member-id hash space a shard holds.
public enum ShardBucket: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// PostgreSQL hash partitioning: `FOR VALUES WITH (modulus m, remainder r)`.
    case hash(modulus: Int, remainder: Int)
    /// Citus: the shard's range of the distribution column's 32-bit hash, inclusive.
    case hashRange(lower: Int64, upper: Int64)

    public var description: String {
        switch self {
        case .hash(let modulus, let remainder): "modulus \(modulus), remainder \(remainder)"
        case .hashRange(let lower, let upper): "hash range \(lower)…\(upper)"
        }
    }

    public static func < (lhs: ShardBucket, rhs: ShardBucket) -> Bool {
        switch (lhs, rhs) {
        case (.hash(let m1, let r1), .hash(let m2, let r2)): (m1, r1) < (m2, r2)
        case (.hashRange(let l1, _), .hashRange(let l2, _)): l1 < l2
        case (.hash, .hashRange): true
        case (.hashRange, .hash): false
        }
    }
}
