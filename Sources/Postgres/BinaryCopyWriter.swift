internal import CLibPQ

/// What a `copyIn` body writes rows into; sends full buffers to the server as it goes.
public struct BinaryCopyWriter: ~Copyable {
    let connection: Connection
    let operation: String
    public var encoder = BinaryCopyEncoder()
    /// Bytes buffered before a send; 1 MiB keeps syscalls few and memory small.
    static let flushThreshold = 1 << 20

    init(connection: Connection, operation: String) {
        self.connection = connection
        self.operation = operation
    }

    public var rowsWritten: Int { encoder.rowsEncoded }

    /// Call after each row (cheap): sends the buffer once it is large enough.
    @inline(__always)
    public mutating func rowDone() throws {
        if encoder.bytes.count >= Self.flushThreshold { try flush() }
    }

    mutating func flush() throws {
        try encoder.bytes.withUnsafeBytes { try connection.sendCopyData($0, operation: operation) }
        encoder.clear()
    }
}
