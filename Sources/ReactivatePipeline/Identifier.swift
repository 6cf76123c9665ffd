import Postgres

/// SQL identifiers that come from configuration or flags: validated once, then carried as ``SQLIdentifier``.
public enum Identifier {
    public static func isValid(_ name: String) -> Bool { SQLIdentifier.isPlain(name) }

    @discardableResult
    public static func validate(_ name: String, what: String) throws -> SQLIdentifier {
        guard let identifier = SQLIdentifier(name) else {
            throw PipelineError(
                .configuration, "\(what) '\(name)' is not a plain SQL identifier",
                fix: "use letters, digits and underscores, starting with a letter or underscore (at most 63)")
        }
        return identifier
    }
}
