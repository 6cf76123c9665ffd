import ArgumentParser
import Postgres
import ReactivateCore
import ReactivatePipeline

/// Turns common SQLSTATEs into the next step a person should take.
enum DatabaseAdvice {
    static func advice(for error: PostgresError) -> String {
        switch error.connectFailure {
        case .invalidConnectionString?:
            return "\n  fix: correct the connection string (--database-url or DATABASE_URL): a URL postgresql://user@host:5432/dbname?sslmode=require or key=value pairs host=db port=5432 dbname=crm user=crm; percent-encode special characters in a URL's password"
        case .authentication?:
            return "\n  fix: the server refused the credentials: check the user name and password (--database-url, DATABASE_URL, PGUSER/PGPASSWORD or ~/.pgpass) and that pg_hba.conf admits this user from this host"
        case .missingDatabase?:
            return "\n  fix: the server is up but has no such database: check the database name in the connection string, or create it (createdb NAME)"
        case .unreachable?, nil:
            break
        }
        if error.isConnectionLoss {
            return "\n  fix: check that the server is running and reachable (--database-url, DATABASE_URL or PGHOST/PGPORT); `make db-start` starts the local one"
        }
        switch error.sqlState {
        case "42P01", "3F000":
            return "\n  fix: run `reactivate migrate` for result tables, or create/map the missing source table or view (see sql/source/README.md)"
        case "42703":
            return "\n  fix: a source table or view lacks a column of the contract in sql/source/src_tables.sql; add or alias it in your view"
        case "42804", "42846":
            return "\n  fix: a source column has the wrong type; cast it in your view to the type in sql/source/src_tables.sql"
        case "28P01", "28000":
            return "\n  fix: check the user name and password (DATABASE_URL or ~/.pgpass)"
        case "57014":
            return ""
        default:
            return ""
        }
    }
}
