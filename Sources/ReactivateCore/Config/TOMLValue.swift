/// One parsed TOML value with the line it starts on, so configuration errors can point at it.
public struct TOMLValue: Sendable, Equatable {
    /// The TOML types the pipeline-config subset supports.
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case date(TOMLLocalDate)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public let kind: Kind
    /// 1-based line where the value starts (for a table: its header or first dotted key).
    public let line: Int
    /// The value exactly as written in the file; money is converted from this text, not from
    /// the binary `Double`, so 19.99 becomes exactly 1999 cents. Empty for tables.
    public let literal: String

    public init(kind: Kind, line: Int, literal: String) {
        self.kind = kind
        self.line = line
        self.literal = literal
    }

    /// The TOML type name used in error messages ("must be an integer, got string ...").
    public var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .date: "date"
        case .array: "array"
        case .table: "table"
        }
    }
}
