/// Why an artifact could not be written or read, naming the file and what to do about it.
///
/// `description` is written for the operator: what is wrong, the path, then a `fix:` line.
public struct ArtifactError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// No file at the path (reading).
        case notFound
        /// Truncated, damaged, not an artifact, or failing a checksum.
        case corrupted
        /// Written by a newer format version than this build reads.
        case unsupportedVersion
        /// A valid artifact, but not of the kind or columns the caller expects.
        case schemaMismatch
        /// The caller passed a bad header or rows that do not fit the schema.
        case invalidInput
        /// The directory to write into does not exist (or a path component is not a directory).
        case directoryMissing
        /// The directory or file may not be written (permissions, read-only filesystem).
        case permissionDenied
        /// The filesystem is full or the quota is exhausted.
        case diskFull
        /// Any other operating-system failure.
        case io
        /// The writer was used after it committed, was discarded or failed.
        case writerClosed
    }

    /// Advice printed for every truncated or corrupted artifact.
    public static let rerunAdvice =
        "the artifact is truncated or corrupted; re-run the stage that writes it "
        + "(e.g. `reactivate run PIPELINE --as-of D --stages extract --force`)"

    public var code: Code
    /// The artifact's final path (never the temporary one, which may be gone by the time this is read).
    public var path: String
    /// What is wrong, in one sentence.
    public var message: String
    /// How to fix it, when there is something the operator can do.
    public var fix: String?

    public init(code: Code, path: String, message: String, fix: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.fix = fix
    }

    /// A damaged-artifact error carrying ``rerunAdvice``.
    static func corrupted(_ path: String, _ message: String) -> ArtifactError {
        ArtifactError(code: .corrupted, path: path, message: message, fix: rerunAdvice)
    }

    public var description: String {
        var text = "artifact \(path): \(message)"
        if let fix { text += "\n  fix: \(fix)" }
        return text
    }
}
