/// Why a TOML text could not be read, with the line, so the config layer can name it.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, so callers and tests can tell a typo from a deliberate refusal.
    public enum Kind: Sendable, Equatable {
        /// The text is not valid TOML (for the supported subset).
        case syntax
        /// Valid TOML, but a feature pipeline configs deliberately leave out.
        case unsupported
        /// A key or table defined twice.
        case duplicateKey
    }

    public let kind: Kind
    /// 1-based line of the problem.
    public let line: Int
    /// What was wrong and, for syntax errors, what was expected.
    public let message: String
    /// Dotted path of the key involved, when there is one (duplicates).
    public let keyPath: String?
    /// How to fix it, when there is a useful suggestion.
    public let hint: String?

    public init(kind: Kind, line: Int, message: String, keyPath: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.line = line
        self.message = message
        self.keyPath = keyPath
        self.hint = hint
    }

    public var description: String {
        var text = "line \(line): "
        if let keyPath { text += "key '\(keyPath)': " }
        text += message
        if let hint { text += "\n  fix: \(hint)" }
        return text
    }
}
