import Dispatch
import Synchronization

/// Sends the buffers of a `COPY … FROM STDIN` on a thread of its own, a few buffers behind the encoder.
///
/// libpq's blocking send returns only once the socket took the whole buffer, and a socket holds a few
/// hundred KiB. Sending from the encoding thread made the two sides take turns: the encoder waited
/// while the server stored most of a 1 MiB buffer, then the server waited while the encoder produced
/// the next one (score's write of member_scores kept one of two cores idle). With a short queue in
/// between, encoding the next rows and storing the last ones overlap; memory stays at `depth` buffers.
///
/// The libpq connection is used by the sender alone from the first `send` until `finish` returns.
final class CopySendQueue: @unchecked Sendable {
    private struct State {
        var pending: [[UInt8]] = []
        /// Sent buffers, emptied, for the encoder to fill again (a fresh 1 MiB array page-faults anew).
        var spare: [[UInt8]] = []
        var producerDone = false
        /// After the encoder gave up: queued buffers are dropped, not sent.
        var abandoned = false
        var failure: (any Error)?
    }

    private let state = Mutex(State())
    private let queued = DispatchSemaphore(value: 0)
    private let room: DispatchSemaphore
    private let stopped = DispatchSemaphore(value: 0)
    private let bufferCapacity: Int

    init(connection: Connection, operation: String, depth: Int = 3, bufferCapacity: Int) {
        room = DispatchSemaphore(value: depth)
        self.bufferCapacity = bufferCapacity
        // A queue of its own targets an overcommitting root queue: blocking on the socket here takes
        // no thread from the pool that concurrentPerform in the stages relies on.
        DispatchQueue(label: "reactivate.copy-send").async { self.sendUntilDone(connection, operation: operation) }
    }

    /// Queues `buffer` for sending and leaves an empty buffer in its place; waits while `depth`
    /// buffers are queued. Throws the send failure, if any, so the encoder stops early.
    func send(_ buffer: inout [UInt8]) throws {
        room.wait()
        let failure = state.withLock { state -> (any Error)? in
            if let failure = state.failure { return failure }
            let next = state.spare.popLast() ?? []
            state.pending.append(buffer)
            buffer = next
            return nil
        }
        if let failure {
            room.signal()
            throw failure
        }
        if buffer.capacity < bufferCapacity { buffer.reserveCapacity(bufferCapacity) }
        queued.signal()
    }

    /// Waits until every queued buffer is sent (or, after `abandon`, dropped); returns the send failure.
    func finish() -> (any Error)? {
        let first = state.withLock { state in
            defer { state.producerDone = true }
            return !state.producerDone
        }
        if first {
            queued.signal()
            stopped.wait()
        }
        return state.withLock { $0.failure }
    }

    /// The encoder failed (or sending did): drop what is queued and stop. Safe after `finish`.
    func abandon() {
        state.withLock { $0.abandoned = true }
        _ = finish()
    }

    private func sendUntilDone(_ connection: Connection, operation: String) {
        while true {
            queued.wait()
            let next = state.withLock { state -> (buffer: [UInt8]?, send: Bool) in
                guard !state.pending.isEmpty else { return (nil, false) }
                return (state.pending.removeFirst(), state.failure == nil && !state.abandoned)
            }
            guard var buffer = next.buffer else { break }  // only `finish` signals without a buffer
            if next.send {
                do {
                    try buffer.withUnsafeBytes { try connection.sendCopyData($0, operation: operation) }
                } catch {
                    state.withLock { $0.failure = $0.failure ?? error }
                }
            }
            buffer.removeAll(keepingCapacity: true)
            state.withLock { state in if state.spare.count < 2 { state.spare.append(buffer) } }
            room.signal()
        }
        stopped.signal()
    }
}
