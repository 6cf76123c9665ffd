import Postgres
import Synchronization

/// Process-wide stop request (SIGINT/SIGTERM): cancels running statements and stops stage loops.
///
/// Stage connections register their cancel handles here; a signal then interrupts whatever query is
/// running (the server rolls its transaction back) and loops check `checkpoint()` between rows, so a
/// stop takes effect within seconds and the stage is recorded as interrupted, never half-written.
public final class Cancellation: Sendable {
    public static let shared = Cancellation()

    private let state = Mutex<(cancelled: Bool, handles: [Int: CancelHandle], next: Int)>((false, [:], 0))

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Registers a connection's cancel handle; returns a token to unregister it.
    @discardableResult
    public func register(_ connection: Connection) -> Int? {
        guard let handle = connection.cancelHandle() else { return nil }
        return state.withLock { state in
            state.next += 1
            state.handles[state.next] = handle
            if state.cancelled { handle.cancel() }
            return state.next
        }
    }

    public func unregister(_ token: Int?) {
        guard let token else { return }
        state.withLock { _ = $0.handles.removeValue(forKey: token) }
    }

    /// Marks the process as stopping and cancels every registered statement.
    public func cancel() {
        let handles = state.withLock { state -> [CancelHandle] in
            state.cancelled = true
            return Array(state.handles.values)
        }
        for handle in handles { handle.cancel() }
    }

    /// Throws `.interrupted` once a stop was requested; cheap enough to call per row.
    @inline(__always)
    public func checkpoint() throws {
        if isCancelled {
            throw PipelineError(.interrupted, "interrupted by a signal", fix: "re-run the same command to resume")
        }
    }
}

/// A stop for one piece of a stage's work rather than the process: cancels the statements of the
/// connections it watches and makes its checkpoints throw. The extract's reads use it so that a data
/// test that fails beside them ends the stage at once instead of after every table was read.
final class StageStop: Sendable {
    private let state = Mutex<(reason: String?, handles: [CancelHandle])>((nil, []))

    /// Cancels `connection`'s statements once stopped (at once when already stopped).
    func watch(_ connection: Connection) {
        guard let handle = connection.cancelHandle() else { return }
        let stopped = state.withLock { state -> Bool in
            state.handles.append(handle)
            return state.reason != nil
        }
        if stopped { handle.cancel() }
    }

    func stop(because reason: String) {
        let handles = state.withLock { state -> [CancelHandle] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            return state.handles
        }
        for handle in handles { handle.cancel() }
    }

    func checkpoint() throws {
        if let reason = state.withLock({ $0.reason }) {
            throw PipelineError(.runtime, "stopped: \(reason)")
        }
    }
}
