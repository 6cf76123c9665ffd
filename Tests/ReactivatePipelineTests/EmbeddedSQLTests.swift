import Foundation
import Logging
@_spi(Testing) import Postgres
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The SQL built into the binary is exactly the files in `sql/`, so an installed `reactivate` migrates
/// a database to the same schema (and the same recorded checksums) as a checkout does.
@Suite struct EmbeddedSQLTests {
    static let stale = "the SQL built into reactivate differs from sql/: run scripts/embed-sql.sh and commit Sources/ReactivatePipeline/EmbeddedSQL.swift"

    static func files(_ folder: String) throws -> [(name: String, sql: String)] {
        try SQLSource.files(in: projectRoot.appendingPathComponent("sql").appendingPathComponent(folder))
    }

    @Test(arguments: ["migrations", "source"])
    func embeddedFilesAreTheFilesInSqlByteForByte(folder: String) throws {
        let embedded = folder == "migrations" ? EmbeddedSQL.migrations : EmbeddedSQL.source
        let onDisk = try Self.files(folder)
        #expect(embedded.map(\.name) == onDisk.map(\.name), "\(Self.stale) (files in sql/\(folder) differ)")
        for file in onDisk {
            let copy = embedded.first { $0.name == file.name }?.sql
            #expect(copy.map { Array($0.utf8) } == Array(file.sql.utf8), "\(Self.stale) (sql/\(folder)/\(file.name) differs)")
        }
    }

    @Test func builtInMigrationsNeedNoSqlFolderAndRecordTheFilesChecksums() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let logger = Logger(label: "test")
        let applied = try Migrator(source: .embedded).migrate(connection, logger: logger)
        #expect(applied == (try Self.files("migrations")).map(\.name))
        // The same history from the files on disk is "already applied": the checksums agree.
        #expect(try Migrator(directory: projectRoot.appendingPathComponent("sql/migrations")).migrate(connection, logger: logger).isEmpty)
        #expect(try connection.query("SELECT count(*) FROM reactivation.schema_migrations").scalar == String(applied.count))
    }

    @Test func sqlDirectoryOverrideIsUsedOnlyWhenSetAndNamedWhenBroken() throws {
        #expect(SQLSource.resolve(environment: [:]) == .embedded)
        #expect(SQLSource.resolve(environment: ["REACTIVATE_SQL_DIR": ""]) == .embedded)
        let missing = URL(fileURLWithPath: "/nonexistent/sql-\(UUID().uuidString)")
        let source = SQLSource.resolve(environment: ["REACTIVATE_SQL_DIR": missing.path])
        #expect(source == .directory(missing))
        do {
            _ = try Migrator(source: source).migrations()
            Issue.record("a missing REACTIVATE_SQL_DIR must be an error")
        } catch let error as PipelineError {
            #expect(error.category == .configuration)
            #expect("\(error)".contains(missing.path) && "\(error)".contains("REACTIVATE_SQL_DIR"))
        }
    }
}
