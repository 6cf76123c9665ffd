/// A schema, table or column name that came from configuration, checked once and quoted when used.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    /// A plain identifier: a letter or underscore, then letters, digits, underscores; at most 63 bytes.
    public init?(_ name: String) {
        guard Self.isPlain(name) else { return nil }
        self.name = name
    }

    public static func isPlain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func letter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 }
        return letter(first) && bytes.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }

    public var quoted: String { Connection.quoteIdentifier(name) }
    public var description: String { name }
}
