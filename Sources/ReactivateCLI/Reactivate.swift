import ArgumentParser
import Foundation

/// The `reactivate` command: wakes sleeping loyalty members and measures what that was worth.
public struct Reactivate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reactivate",
        abstract: "Wake up sleeping loyalty members and prove what that was worth.",
        discussion: """
            Staged batch pipeline over PostgreSQL: extract → score → target → issue → attribute.
            Results go to the `reactivation` schema; logs go to stderr, results to stdout.
            Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 75 locked (retry later).
            """,
        subcommands: [
            MigrateCommand.self, GenerateCommand.self, RunCommand.self, AttributeCommand.self, BackfillCommand.self, StatusCommand.self, ValidateCommand.self, ReportCommand.self, ModelCommand.self, BenchCommand.self, ShardWorkerCommand.self,
        ])

    public init() {}

    /// Parses, runs and maps every outcome to SPEC's exit codes; the executable calls only this.
    public static func runAndExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Glibc.exit(ExitStatus.success)
            }
            StandardError.write(message)
            Glibc.exit(ExitStatus.usage)
        }
        do {
            try command.run()
            Glibc.exit(ExitStatus.success)
        } catch let exitCode as ExitCode {
            Glibc.exit(exitCode.rawValue)
        } catch {
            if isArgumentParserError(error) {
                let code = exitCode(for: error)
                if code == .success {
                    print(fullMessage(for: error))
                    Glibc.exit(ExitStatus.success)
                }
                StandardError.write(fullMessage(for: error))
                Glibc.exit(code == .validationFailure ? ExitStatus.usage : code.rawValue)
            }
            let (code, message) = ExitStatus.describe(error)
            StandardError.write("error: " + message)
            Glibc.exit(code)
        }
    }

    /// ArgumentParser's own outcomes (help, validation) render through its message machinery.
    private static func isArgumentParserError(_ error: any Error) -> Bool {
        if error is CleanExit || error is ValidationError { return true }
        return String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
