import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivatePipeline
import ReactivateTestSupport
import Testing

@Suite struct MigratorTests {
    let logger = Logger(label: "test")

    @Test func migratingTwiceAppliesNothingTheSecondTime() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let migrator = Migrator(directory: projectRoot.appendingPathComponent("sql/migrations"))
        let first = try migrator.migrate(connection, logger: logger)
        #expect(first.first == "0001_result_tables.sql")
        #expect(try migrator.migrate(connection, logger: logger).isEmpty)
        let tables = try connection.query("""
            SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables
            WHERE table_schema = 'reactivation'
            """).scalar ?? ""
        for table in ["runs", "stage_runs", "member_scores", "targets", "coupons", "coupon_outbox", "attribution", "attribution_daily"] {
            #expect(tables.split(separator: ",").contains(Substring(table)), "missing reactivation.\(table)")
        }
    }

    @Test func changedAppliedMigrationIsRefusedByName() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("0001_first.sql")
        try "CREATE TABLE reactivation.example (id int);".write(to: file, atomically: true, encoding: .utf8)
        let migrator = Migrator(directory: folder)
        #expect(try migrator.migrate(connection, logger: logger) == ["0001_first.sql"])
        try "CREATE TABLE reactivation.example (id bigint);".write(to: file, atomically: true, encoding: .utf8)
        do {
            try migrator.migrate(connection, logger: logger)
            Issue.record("a changed migration must be refused")
        } catch let error as PipelineError {
            #expect(error.category == .configuration)
            #expect(error.message.contains("0001_first.sql"))
        }
    }

    @Test func failingMigrationLeavesNoTraceAndIsNotRecorded() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "CREATE TABLE reactivation.half (id int); SELECT 1/0;".write(
            to: folder.appendingPathComponent("0001_broken.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PostgresError.self) { try Migrator(directory: folder).migrate(connection, logger: logger) }
        #expect(try connection.query("SELECT to_regclass('reactivation.half') IS NULL").scalar == "t")
        #expect(try connection.query("SELECT count(*) FROM reactivation.schema_migrations").scalar == "0")
    }
}
