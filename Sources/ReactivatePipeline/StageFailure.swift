/// A stage failed; carries which one so the message and the ledger name it.
public struct StageFailure: Error, CustomStringConvertible {
    public let stage: StageName
    public let underlying: any Error

    public var description: String { "stage \(stage.rawValue) failed: \(underlying)" }
}
