/// A TOML table that keeps its keys in file order, so validation reports the first problem in
/// the file rather than the first in hash order.
public struct TOMLTable: Sendable, Equatable {
    /// One key of the table and its value.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: TOMLValue

        public init(key: String, value: TOMLValue) {
            self.key = key
            self.value = value
        }
    }

    /// Keys and values in the order they appear in the file.
    public let entries: [Entry]
    private let indexByKey: [String: Int]

    /// Builds a table; if a key repeats, lookups see its first entry (the parser never repeats).
    public init(entries: [Entry]) {
        self.entries = entries
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where index[entry.key] == nil {
            index[entry.key] = position
        }
        self.indexByKey = index
    }

    public subscript(key: String) -> TOMLValue? {
        indexByKey[key].map { entries[$0].value }
    }

    public var keys: [String] { entries.map(\.key) }
    public var isEmpty: Bool { entries.isEmpty }
}
