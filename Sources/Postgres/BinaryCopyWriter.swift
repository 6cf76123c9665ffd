internal import CLibPQ

/// What a `copyIn` body writes rows into; hands full buffers to a sender thread as it goes.
public struct BinaryCopyWriter: ~Copyable {
    let sender: CopySendQueue
    public var encoder = BinaryCopyEncoder()
    /// Bytes buffered before a send; 1 MiB keeps syscalls few and memory small.
    static let flushThreshold = 1 << 20

    init(connection: Connection, operation: String) {
        sender = CopySendQueue(connection: connection, operation: operation, bufferCapacity: Self.flushThreshold + (64 << 10))
    }

    public var rowsWritten: Int { encoder.rowsEncoded }

    /// Call after each row (cheap): sends the buffer once it is large enough.
    @inline(__always)
    public mutating func rowDone() throws {
        if encoder.bytes.count >= Self.flushThreshold { try flush() }
    }

    mutating func flush() throws {
        guard !encoder.bytes.isEmpty else { return }
        try encoder.handOff { try sender.send(&$0) }
    }
}
