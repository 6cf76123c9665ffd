import ArgumentParser
import Foundation
import Logging
import Postgres

/// Options every subcommand shares: where the database is and how to log.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("database-url"), help: ArgumentHelp(
        "PostgreSQL URL or key=value conninfo. Default: $DATABASE_URL, else libpq's PG* variables and ~/.pgpass.",
        valueName: "url"))
    public var databaseURL: String?

    @Option(name: .customLong("log-format"), help: "Log format on stderr: auto (text on a terminal, JSON lines otherwise), text or json.")
    public var logFormat: LogFormat = .auto

    @Option(name: .customLong("log-level"), help: "Lowest log level shown: trace, debug, info, notice, warning, error.")
    public var logLevel: String = "info"

    public init() {}

    /// A malformed connection string is a usage error (exit 2), found before any command runs.
    public func validate() throws {
        do {
            try connectionString.validate()
        } catch let error as PostgresError {
            throw ValidationError(
                "\(error.operation): \(error.message)\n"
                    + "  fix: use a URL postgresql://user@host:5432/dbname or key=value pairs host=db dbname=crm user=crm (--database-url or DATABASE_URL)")
        }
    }

    var connectionString: ConnectionString {
        ConnectionString.resolve(explicit: databaseURL, environment: ProcessInfo.processInfo.environment)
    }

    /// Sets up logging and returns the command's logger.
    func makeLogger(_ label: String = "reactivate") throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error; got '\(logLevel)'")
        }
        LoggingSetup.bootstrap(format: logFormat, level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    func connect() throws -> Connection {
        try Connection(connectionString)
    }
}
