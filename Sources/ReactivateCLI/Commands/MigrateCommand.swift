import ArgumentParser
import Foundation
import Logging
import ReactivatePipeline

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the reactivation schema (the numbered SQL migrations built into reactivate).",
        discussion: """
            Idempotent: re-running applies nothing. A changed, already applied file is refused by name. \
            The migrations are those of sql/migrations/ when the binary was built; set REACTIVATE_SQL_DIR \
            to a folder laid out like the project's sql/ to run the files there instead.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let logger = try global.makeLogger()
        let connection = try global.connect()
        let source = SQLSource.resolve()
        let started = DispatchTime.now().uptimeNanoseconds
        let applied = try Migrator(source: source).migrate(connection, logger: logger)
        logger.info(
            "schema migrated",
            metadata: [
                "migrations.applied": .stringConvertible(applied.count), "up_to_date": .stringConvertible(applied.isEmpty),
                "duration_ms": .stringConvertible((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000),
                "sql": .string({ if case .directory(let url) = source { return url.path } else { return "built-in" } }()),
            ])
        print(applied.isEmpty ? "schema up to date" : "applied \(applied.count) migration(s): \(applied.joined(separator: ", "))")
    }
}
