import Postgres
import ReactivateCore

/// How a test reads a large relation: whole, a block sample of a table, or the first rows of a view.
///
/// A block sample (`TABLESAMPLE SYSTEM`, repeatable) reads a fixed number of blocks spread over the
/// table whatever its size; a view cannot be block-sampled, so it is read up to a row limit, which
/// favours whatever the view returns first. Both are stated in the findings (`sampled`).
struct SourceSample {
    enum Method {
        case whole
        case blocks(percent: Double)
        case firstRows(Int)
    }

    var method: Method

    /// The FROM item, aliased `t`, with the method's value bound.
    func from(_ schema: SQLIdentifier, _ relation: String, columns: SQL) -> SQL {
        from("\(schema).\(identifier: relation)", columns: columns)
    }

    /// The same for a relation named in full (a shard's table on its server).
    func from(_ name: SQL, columns: SQL) -> SQL {
        switch method {
        case .whole: return "\(name) t"
        case .blocks(let percent): return "(SELECT \(columns) FROM \(name) TABLESAMPLE SYSTEM (\(percent)::float4) REPEATABLE (7)) t"
        case .firstRows(let rows): return "(SELECT \(columns) FROM \(name) LIMIT \(rows)::int8) t"
        }
    }

    var isWhole: Bool { if case .whole = method { true } else { false } }

    /// A sample of about `blocks` blocks for a table of `tableBlocks` (whole when it is that small),
    /// or the first `rows` rows of a view.
    static func choose(tableBlocks: Int64?, blocks: Int64, rows: Int) -> SourceSample {
        guard let tableBlocks else { return SourceSample(method: .firstRows(rows)) }
        guard tableBlocks > blocks else { return SourceSample(method: .whole) }
        return SourceSample(method: .blocks(percent: 100 * Double(blocks) / Double(tableBlocks)))
    }
}
