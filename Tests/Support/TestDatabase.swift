import Foundation
import Postgres

/// A database of its own for one test, created on the server `DATABASE_URL` names and dropped afterwards.
///
/// Tests talk to a real PostgreSQL (the Makefile starts one); without `DATABASE_URL` they fail loudly
/// instead of skipping, so a green run always means the database paths were exercised.
public final class TestDatabase: @unchecked Sendable {
    public let name: String
    public let connectionString: ConnectionString
    private let admin: ConnectionString

    public init(prefix: String = "t") throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError("DATABASE_URL is not set: run the tests with `make test`, which starts a local PostgreSQL")
        }
        admin = ConnectionString(url)
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        name = "\(prefix)_\(getpid())_\(suffix)".lowercased()
        let connection = try Connection(admin)
        try connection.execute("CREATE DATABASE \(Connection.quoteIdentifier(name))")
        connectionString = admin.replacingDatabase(name)
    }

    /// A new connection to this test's database.
    public func connect() throws -> Connection { try Connection(connectionString) }

    deinit {
        if let connection = try? Connection(admin) {
            _ = try? connection.execute("DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)")
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The project's root folder, found from this file's path (tests read sql/ and pipelines/ from it).
public let projectRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

extension TestDatabase {
    /// Creates the source-contract tables (`src.*`) from `sql/source/src_tables.sql`.
    public func createSourceTables(_ connection: Connection) throws {
        let ddl = try String(contentsOf: projectRoot.appendingPathComponent("sql/source/src_tables.sql"), encoding: .utf8)
        try connection.execute(ddl)
    }

    /// A fresh folder for artifacts, removed by the caller.
    public static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reactivate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

extension Connection {
    /// A schema of views over `src` whose transactions view sleeps per row, so a stage runs long enough
    /// to be interrupted (signal, kill, outage) while it streams.
    public func createSlowSourceViews(_ schema: String = "slow", sleepSeconds: Double) throws {
        try execute("""
            CREATE SCHEMA \(schema);
            CREATE VIEW \(schema).stores AS SELECT * FROM src.stores;
            CREATE VIEW \(schema).members AS SELECT * FROM src.members;
            CREATE VIEW \(schema).member_locations AS SELECT * FROM src.member_locations;
            CREATE VIEW \(schema).member_channels AS SELECT * FROM src.member_channels;
            CREATE VIEW \(schema).transactions AS SELECT * FROM src.transactions WHERE pg_sleep(\(sleepSeconds)) IS NOT NULL;
            """)
    }
}
