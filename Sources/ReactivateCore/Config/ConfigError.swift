/// A pipeline config that cannot be used, said the way an operator can act on it: which file,
/// which line, which key, why, and how to fix it. The CLI maps it to exit code 2.
///
/// Rendered as
/// `pipelines/spring.toml:12: key 'target.radius_m': must be > 0 and ≤ 100000, got -5`
/// followed by `  fix: set radius_m to a distance in metres, e.g. 3000`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category, so callers and tests need not match on message text.
    public enum Kind: Sendable, Equatable {
        /// The bytes are not UTF-8.
        case encoding
        /// Not valid TOML.
        case syntax
        /// Valid TOML that pipeline configs deliberately do not support.
        case unsupported
        /// A key or table defined twice.
        case duplicateKey
        /// A key or section the config schema does not know (often a typo).
        case unknownKey
        /// A required key is absent.
        case missingKey
        /// A value of the wrong TOML type (e.g. a string where a number belongs).
        case wrongType
        /// A value of the right type that is out of range or malformed.
        case invalidValue
    }

    public var kind: Kind
    /// The file name as given by the caller (usually the path the operator typed).
    public var fileName: String
    /// 1-based line, when the problem is at one place in the file.
    public var line: Int?
    /// Dotted key path such as `target.radius_m`, when a key is involved.
    public var keyPath: String?
    /// What is wrong, including the offending value (secrets excepted).
    public var reason: String
    /// How to fix it, when there is a useful suggestion.
    public var fix: String?

    public init(
        kind: Kind, fileName: String, line: Int?, keyPath: String?, reason: String, fix: String?
    ) {
        self.kind = kind
        self.fileName = fileName
        self.line = line
        self.keyPath = keyPath
        self.reason = reason
        self.fix = fix
    }

    /// Wraps a parser error with the file it came from.
    public init(fileName: String, tomlError: TOMLError) {
        let kind: Kind =
            switch tomlError.kind {
            case .syntax: .syntax
            case .unsupported: .unsupported
            case .duplicateKey: .duplicateKey
            }
        self.init(
            kind: kind, fileName: fileName, line: tomlError.line, keyPath: tomlError.keyPath,
            reason: tomlError.message, fix: tomlError.hint)
    }

    public var description: String {
        var text = fileName
        if let line { text += ":\(line)" }
        text += ": "
        if let keyPath { text += "key '\(keyPath)': " }
        text += reason
        if let fix { text += "\n  fix: \(fix)" }
        return text
    }
}
