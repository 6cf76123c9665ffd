import Foundation
import Logging
import Postgres

/// Applies the numbered migrations (`sql/migrations/NNNN_name.sql`) in order, each in its own transaction,
/// recorded with a checksum.
///
/// The files come from the binary itself (`SQLSource.embedded`) unless `REACTIVATE_SQL_DIR` names a
/// folder. Forward-only: an applied file that changed since is refused by name, because silently running
/// a different history on another database is how schemas drift apart. The embedded copy is byte for byte
/// the file, so a database migrated from files and one migrated by an installed binary agree.
public struct Migrator {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    /// Where the migrations are, for messages: a folder, or the binary.
    let origin: String
    private let load: @Sendable () throws -> [(name: String, sql: String)]

    public init(source: SQLSource) {
        switch source {
        case .embedded: origin = source.origin
        case .directory(let root): origin = root.appendingPathComponent("migrations").path
        }
        load = { try source.migrationFiles() }
    }

    /// Migrations from one folder of `NNNN_name.sql` files (tests, and `REACTIVATE_SQL_DIR`/migrations).
    public init(directory: URL) {
        origin = directory.path
        load = { try SQLSource.files(in: directory) }
    }

    /// Migrations sorted by their number; a malformed file name is an error, not skipped.
    public func migrations() throws -> [Migration] {
        let files = try load().sorted { $0.name < $1.name }
        var seen: [Int: String] = [:]
        return try files.map { file in
            let name = file.name
            let prefix = name.prefix(while: \.isNumber)
            guard !prefix.isEmpty, let version = Int(prefix), name.dropFirst(prefix.count).hasPrefix("_") else {
                throw PipelineError(
                    .configuration, "migration file '\(name)' in \(origin) does not start with a number and '_'",
                    fix: "rename it like 0002_add_columns.sql")
            }
            if let other = seen[version] {
                throw PipelineError(.configuration, "migrations '\(other)' and '\(name)' share number \(version)", fix: "renumber one of them")
            }
            seen[version] = name
            return Migration(version: version, name: name, sql: file.sql)
        }
    }

    /// Applies what is missing; returns the names applied (empty when up to date).
    @discardableResult
    public func migrate(_ connection: Connection, logger: Logger) throws -> [String] {
        let pending = try migrations()
        try connection.execute(
            """
            CREATE SCHEMA IF NOT EXISTS reactivation;
            CREATE TABLE IF NOT EXISTS reactivation.schema_migrations (
                version    integer PRIMARY KEY,
                name       text        NOT NULL,
                sha256     text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, operation: "create reactivation.schema_migrations")
        var applied: [String] = []
        for migration in pending {
            let done = try connection.transaction { () -> Bool in
                // Serialise concurrent migrators; the lock ends with the transaction.
                try connection.execute("SELECT pg_advisory_xact_lock(7262651413)", operation: "lock migrations")
                let checksum = try connection.query(
                    "SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex')", operation: "checksum \(migration.name)"
                ).scalar(String.self) ?? ""
                let recorded = try connection.query(
                    "SELECT name, sha256 FROM reactivation.schema_migrations WHERE version = \(migration.version)",
                    operation: "read migration history")
                if let row = recorded.first {
                    guard try row.decodeIfPresent(1, as: String.self) == checksum else {
                        throw PipelineError(
                            .configuration,
                            "migration \(migration.name) was changed after it was applied (as '\(try row.decodeIfPresent(0, as: String.self) ?? "?")') to this database",
                            fix: "restore the original file and put the change in a new, higher-numbered migration")
                    }
                    return false
                }
                try connection.execute(migration.sql, operation: "migration \(migration.name)")
                try connection.query(
                    "INSERT INTO reactivation.schema_migrations (version, name, sha256) VALUES (\(migration.version), \(migration.name), \(checksum))",
                    operation: "record migration \(migration.name)")
                return true
            }
            if done {
                applied.append(migration.name)
                logger.info("migration applied", metadata: ["migration": "\(migration.name)", "migration.version": .stringConvertible(migration.version)])
            }
        }
        return applied
    }
}
