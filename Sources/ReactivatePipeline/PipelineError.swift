/// An error of the pipeline layer, phrased for the person who has to act on it: what, where, how to fix.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public enum Category: String, Sendable {
        /// Bad configuration or usage: exit 2.
        case configuration
        /// Something failed while running: exit 1.
        case runtime
        /// Another run holds the campaign lock: exit 75.
        case locked
        /// Stopped by SIGINT/SIGTERM: exit 1, recorded as interrupted.
        case interrupted
    }

    public var category: Category
    public var message: String
    public var fix: String?

    public init(_ category: Category, _ message: String, fix: String? = nil) {
        self.category = category
        self.message = message
        self.fix = fix
    }

    public var description: String {
        guard let fix else { return message }
        return "\(message)\n  fix: \(fix)"
    }
}
