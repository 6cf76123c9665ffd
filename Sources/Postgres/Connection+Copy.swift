internal import CLibPQ

extension Connection {
    /// Streams `COPY (…) TO STDOUT (FORMAT binary)` through `onRow`, chunk by chunk.
    ///
    /// Memory stays flat whatever the result size: libpq hands over one CopyData message at a time and
    /// the decoder keeps only an incomplete tuple between chunks. If `onRow` throws, the server is asked
    /// to cancel and the stream is drained, so the connection stays usable and the caller's error wins.
    /// - Returns: the number of rows decoded.
    @discardableResult
    public func copyOut(
        _ sql: SQL, fieldCount: Int? = nil, operation: String = "COPY out",
        onRow: (borrowing BinaryCopyRow) throws -> Void
    ) throws -> Int {
        var decoder = BinaryCopyDecoder(expectedFieldCount: fieldCount)
        try copyOutChunks(sql, operation: operation) { chunk in
            try decoder.feed(chunk, onRow: onRow)
        }
        try decoder.finish()
        return decoder.rowsDecoded
    }

    /// The raw chunk stream of a COPY TO STDOUT; the floor the extract stage is measured against.
    public func copyOutChunks(
        _ sql: SQL, operation: String = "COPY out", onChunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try startCopy(sql.inlined, expecting: PGRES_COPY_OUT, operation: operation)
        var consumerError: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                if consumerError == nil {
                    do {
                        try onChunk(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        consumerError = error
                        cancelHandle()?.cancel()
                    }
                }
                continue
            }
            if length == -1 { break }  // done; the final status follows
            // -2: error
            let message = connectionString.redact(Connection.errorText(handle))
            drainResults()
            if let consumerError { throw consumerError }
            throw PostgresError(kind: PQstatus(handle) == CONNECTION_BAD ? .connection : .copy, operation: operation, message: message)
        }
        let failure = finishCommand(operation: operation)
        if let consumerError { throw consumerError }
        if let failure { throw failure }
    }

    /// Streams rows into `COPY … FROM STDIN (FORMAT binary)`.
    ///
    /// `write` fills the encoder; each 1 MiB it has written goes to a sender thread (``CopySendQueue``),
    /// so the server stores rows while `write` encodes the next ones. If
    /// `write` throws, the COPY is aborted with `PQputCopyEnd(conn, reason)` so the server discards every
    /// row of it, and the caller's error is rethrown (it says why; the server's relayed error would not).
    /// - Returns: the number of rows written.
    @discardableResult
    public func copyIn(
        _ sql: SQL, operation: String = "COPY in", _ write: (inout BinaryCopyWriter) throws -> Void
    ) throws -> Int {
        try startCopy(sql.inlined, expecting: PGRES_COPY_IN, operation: operation)
        var writer = BinaryCopyWriter(connection: self, operation: operation)
        do {
            try write(&writer)
            writer.encoder.appendTrailer()
            try writer.flush()
            if let failure = writer.sender.finish() { throw failure }
        } catch {
            writer.sender.abandon()
            _ = PQputCopyEnd(handle, "aborted by reactivate: \(error)".prefix(200).description)
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            let message = connectionString.redact(Connection.errorText(handle))
            drainResults()
            throw PostgresError(kind: .connection, operation: operation, message: message)
        }
        if let failure = finishCommand(operation: operation) { throw failure }
        return writer.encoder.rowsEncoded
    }

    func sendCopyData(_ bytes: UnsafeRawBufferPointer, operation: String) throws {
        guard !bytes.isEmpty else { return }
        let status = PQputCopyData(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard status == 1 else {
            throw PostgresError(kind: .connection, operation: operation, message: connectionString.redact(Connection.errorText(handle)))
        }
    }

    private func startCopy(_ sql: String, expecting expected: ExecStatusType, operation: String) throws {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(kind: .connection, operation: operation, message: connectionString.redact(Connection.errorText(handle)))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == expected else {
            throw PostgresError(result: result, connection: self, operation: operation, kind: .copy)
        }
    }

    /// Reads results until libpq has none left; returns the first failure among them.
    private func finishCommand(operation: String) -> PostgresError? {
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && failure == nil {
                failure = PostgresError(result: result, connection: self, operation: operation, kind: .copy)
            }
            PQclear(result)
        }
        return failure
    }

    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}
