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
