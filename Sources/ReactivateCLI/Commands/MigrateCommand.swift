import ArgumentParser
import Foundation
import ReactivatePipeline

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the reactivation schema (numbered SQL files in sql/migrations/).",
        discussion: "Idempotent: re-running applies nothing. A changed, already applied file is refused by name.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let logger = try global.makeLogger()
        let connection = try global.connect()
        let migrator = Migrator(directory: try SQLDirectory.locate().appendingPathComponent("migrations"))
        let applied = try migrator.migrate(connection, logger: logger)
        print(applied.isEmpty ? "schema up to date" : "applied \(applied.count) migration(s): \(applied.joined(separator: ", "))")
    }
}
