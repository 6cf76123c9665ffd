import Dispatch
import Foundation
import Synchronization

/// The part of a stage's writes that no later stage reads, committing on a thread of its own after
/// `Stage.run` returned — score's member_scores, which analysts read and the target stage does not.
///
/// The runner lets the next stage compute meanwhile when that stage says it may
/// (``Stage/runsBesideBackgroundWrites``), and records the writing stage as succeeded only once
/// ``BackgroundWork/wait()`` returned: until then the ledger shows it running, so a crash or a failed
/// write makes a resumed run do the stage again. The write is one transaction, visible whole or not at all.
public typealias BackgroundWrite = BackgroundWork<Void>

/// Work running on a thread of its own (not the dispatch pool, which the stages' parallel loops use);
/// ``wait()`` returns its value or rethrows its error.
public final class BackgroundWork<Value: Sendable>: Sendable {
    private let outcome = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    public init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { self.finish(Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func finish(_ result: Result<Value, any Error>) {
        outcome.withLock { $0 = result }
        finished.signal()
    }

    /// Waits until the work finished; returns its value or rethrows its error. Safe to call again.
    public func wait() throws -> Value {
        finished.wait()
        finished.signal()
        return try outcome.withLock { $0! }.get()
    }
}
