import Foundation
import Logging
import Postgres

/// Applies `sql/migrations/NNNN_name.sql` in order, each in its own transaction, recorded with a checksum.
///
/// Forward-only: an applied file that changed since is refused by name, because silently running a
/// different history on another database is how schemas drift apart.
public struct Migrator {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// Migration files sorted by their number; a malformed file name is an error, not skipped.
    public func migrations() throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        var seen: [Int: String] = [:]
        return try names.map { name in
            let prefix = name.prefix(while: \.isNumber)
            guard !prefix.isEmpty, let version = Int(prefix), name.dropFirst(prefix.count).hasPrefix("_") else {
                throw PipelineError(
                    .configuration, "migration file '\(name)' in \(directory.path) does not start with a number and '_'",
                    fix: "rename it like 0002_add_columns.sql")
            }
            if let other = seen[version] {
                throw PipelineError(.configuration, "migrations '\(other)' and '\(name)' share number \(version)", fix: "renumber one of them")
            }
            seen[version] = name
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            return Migration(version: version, name: name, sql: sql)
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
                    "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [migration.sql], operation: "checksum \(migration.name)"
                ).scalar ?? ""
                let recorded = try connection.query(
                    "SELECT name, sha256 FROM reactivation.schema_migrations WHERE version = $1", [migration.version],
                    operation: "read migration history")
                if let row = recorded.rows.first {
                    guard row[1] == checksum else {
                        throw PipelineError(
                            .configuration,
                            "migration \(migration.name) was changed after it was applied (as '\(row[0] ?? "?")') to this database",
                            fix: "restore the original file and put the change in a new, higher-numbered migration")
                    }
                    return false
                }
                try connection.execute(migration.sql, operation: "migration \(migration.name)")
                try connection.query(
                    "INSERT INTO reactivation.schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, checksum], operation: "record migration \(migration.name)")
                return true
            }
            if done {
                applied.append(migration.name)
                logger.info("migration applied", metadata: ["migration": "\(migration.name)"])
            }
        }
        return applied
    }
}
