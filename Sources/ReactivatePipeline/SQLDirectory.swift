import Foundation

/// Finds the project's `sql/` folder (migrations and the source contract) at run time.
///
/// Order: `REACTIVATE_SQL_DIR`, then `./sql`, then the folders above the executable (a build in
/// `.build/release/` finds the checkout it was built from). Keeping SQL as plain files lets an operator
/// read and review exactly what `migrate` will run.
public enum SQLDirectory {
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var candidates: [URL] = []
        if let explicit = environment["REACTIVATE_SQL_DIR"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql"))
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("sql"))
            folder = folder.deletingLastPathComponent()
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("migrations").path) {
            return candidate
        }
        throw PipelineError(
            .configuration, "cannot find the sql/ folder with migrations (looked in \(candidates.prefix(3).map(\.path).joined(separator: ", "))…)",
            fix: "run reactivate from the project folder or set REACTIVATE_SQL_DIR to its sql/ folder")
    }
}
