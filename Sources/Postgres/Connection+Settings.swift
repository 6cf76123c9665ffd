extension Connection {
    /// The server's page size in bytes (`block_size`, fixed when the server was built, usually 8192).
    ///
    /// Typed here so callers never read server settings through `current_setting` text in their SQL.
    public func blockSize() throws -> Int64 {
        let operation = "read the server's block size"
        guard let size = try query("SHOW block_size", operation: operation).scalar(Int64.self), size > 0 else {
            throw PostgresError(kind: .query, operation: operation, message: "the server reported no block_size")
        }
        return size
    }
}
