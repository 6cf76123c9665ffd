import ArgumentParser
import Postgres
import ReactivateCore
import ReactivatePipeline

/// The exit codes of SPEC.md, decided in one place.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
    /// EX_TEMPFAIL: another run holds the lock; cron should simply try again later.
    public static let locked: Int32 = 75

    /// Exit code and the message to print for an error thrown while running a command.
    static func describe(_ error: any Error) -> (code: Int32, message: String) {
        switch error {
        case let error as PipelineError:
            let code: Int32
            switch error.category {
            case .configuration: code = usage
            case .runtime, .interrupted: code = failure
            case .locked: code = locked
            }
            return (code, error.description)
        case let error as PostgresError:
            let code = error.connectFailure == .invalidConnectionString ? usage : failure
            return (code, error.description + DatabaseAdvice.advice(for: error))
        case let error as StageFailure:
            let (code, message) = describe(error.underlying)
            return (code, "stage \(error.stage.rawValue) failed: \(message)")
        case let error as ValidationError:
            return (usage, error.message)
        case let error as any UserFacingConfigError:
            return (usage, error.description)
        default:
            return (failure, String(describing: error))
        }
    }
}

/// Errors of the core that stand for a bad configuration or input file (exit 2).
public protocol UserFacingConfigError: Error, CustomStringConvertible {}

extension ConfigError: UserFacingConfigError {}
