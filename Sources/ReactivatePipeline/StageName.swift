/// Which stages exist, in the order they run.
public enum StageName: String, CaseIterable, Sendable, Codable {
    case extract, score, target, issue, attribute
}
