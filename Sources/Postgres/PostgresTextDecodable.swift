/// A Swift type that reads itself from PostgreSQL's text output format.
public protocol PostgresTextDecodable: Sendable {
    init?(postgresText: String)
}

extension String: PostgresTextDecodable { public init?(postgresText: String) { self = postgresText } }

extension Int: PostgresTextDecodable { public init?(postgresText: String) { self.init(postgresText) } }

extension Int64: PostgresTextDecodable { public init?(postgresText: String) { self.init(postgresText) } }

extension Int32: PostgresTextDecodable { public init?(postgresText: String) { self.init(postgresText) } }

extension Double: PostgresTextDecodable {
    public init?(postgresText: String) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(postgresText)
        }
    }
}

extension Bool: PostgresTextDecodable {
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}
