/// Why a BG/NBD fit or model could not be built, in words an analyst can act on.
///
/// Carries what went wrong (`reason`) and how to fix it (`fix`) separately so the command line can
/// print both, and the position of the offending summary when there is one.
public struct BGNBDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure, for callers that branch on it (exit codes, retries).
    public enum Kind: Sendable, Equatable {
        /// No customer summaries were given.
        case emptyInput
        /// A summary is not a valid (frequency, recency, age) triple.
        case invalidSummary
        /// Parameters are not finite and positive.
        case invalidParameters
        /// The data cannot identify the model (for example nobody ever bought twice).
        case insufficientData
        /// The optimiser stopped before reaching a maximum.
        case notConverged
    }

    public var kind: Kind
    /// What went wrong.
    public var reason: String
    /// How to fix it.
    public var fix: String
    /// Zero-based position of the offending summary in the input, when one is to blame.
    public var index: Int?

    public init(kind: Kind, reason: String, fix: String, index: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.fix = fix
        self.index = index
    }

    public var description: String {
        let prefix = index.map { "customer summary #\($0 + 1): " } ?? ""
        return "\(prefix)\(reason); \(fix)"
    }
}
