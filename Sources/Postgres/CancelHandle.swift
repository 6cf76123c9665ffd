internal import CLibPQ

/// Cancels the statement running on a connection from any thread (`PQcancel` is thread-safe).
public final class CancelHandle: @unchecked Sendable {
    private let token: OpaquePointer

    init(_ token: OpaquePointer) { self.token = token }

    deinit { PQfreeCancel(token) }

    /// Asks the server to cancel; returns false if the request could not be sent.
    @discardableResult
    public func cancel() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(token, &buffer, Int32(buffer.count)) == 1
    }
}
