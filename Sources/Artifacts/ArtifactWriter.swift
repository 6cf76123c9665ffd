#if canImport(Glibc)
@preconcurrency internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
/// Streams rows into a new artifact that appears at `path` only once complete and durable.
///
/// Rows go through one zstd frame into an ``AtomicFile`` at `<path>.tmp-<pid>` (mode 0600, owner-only:
/// artifacts hold member data); ``commit()`` ends the frame, fsyncs the file, renames it into place and
/// fsyncs the directory. A writer dropped or failed before commit removes its temporary file, so a crash or an
/// error never leaves a half-written artifact under the final name. Memory stays at one row group per
/// column (``rowsPerGroup`` rows) plus zstd's context, whatever the artifact's size.
///
/// Every error thrown is an ``ArtifactError``. Not thread-safe: one writer belongs to one stage task.
public final class ArtifactWriter {
    /// 65,536 rows: about 2 MB of buffers for a typical 6-column schema, large enough for zstd to
    /// find patterns within each column.
    public static let defaultRowsPerGroup = 65_536

    public let path: String
    public var temporaryPath: String { file.temporaryPath }
    /// The header as written, with ``ArtifactHeader/formatVersion`` set to the current version.
    public let header: ArtifactHeader
    public let rowsPerGroup: Int
    /// Rows appended so far.
    public private(set) var rowCount: Int64 = 0

    private enum State {
        case open
        case committed
        /// Failed or discarded; the error is rethrown by any later call.
        case closed(ArtifactError)
    }

    private var state = State.open
    private let file: AtomicFile
    private let compressor: ZstdCompressor
    private var hasher = XXHash64()
    private let widths: [Int]
    /// One buffer per column holding the row group being filled, `rowsPerGroup × width` bytes each.
    private let buffers: [UnsafeMutableRawPointer]
    private var pendingRows = 0
    private var groupCount = 0
    private var payloadBytes: Int64 = 0
    private var fileBytes: Int64 = 0

    /// Creates the temporary file and writes the header.
    ///
    /// - Parameters:
    ///   - path: the final file name; its directory must exist and be writable.
    ///   - header: validated here (kind, run id, `YYYY-MM-DD` date, unique column names).
    ///   - compressionLevel: zstd level, default 3.
    ///   - rowsPerGroup: rows per row group, 1 ... 1,048,576; part of the bytes, so keep the default
    ///     unless a test needs small groups.
    ///   - compressionWorkers: zstd worker threads (0 = on the caller's thread). Output is identical for any
    ///     count ≥ 1 on the same libzstd, but differs from 0, so a stage must always pass the same value.
    public init(
        path: String, header: ArtifactHeader, compressionLevel: Int = ZstdCompressor.defaultLevel,
        rowsPerGroup: Int = ArtifactWriter.defaultRowsPerGroup, compressionWorkers: Int = 0
    ) throws {
        func invalid(_ message: String, fix: String? = nil) -> ArtifactError {
            ArtifactError(code: .invalidInput, path: path, message: message, fix: fix)
        }
        guard !path.isEmpty else { throw invalid("the artifact path is empty") }
        if let problem = header.problem() { throw invalid(problem) }
        guard (1...ArtifactFormat.maxRowsPerGroup).contains(rowsPerGroup) else {
            throw invalid(
                "rows per group must be 1...\(ArtifactFormat.maxRowsPerGroup), got \(rowsPerGroup)")
        }
        var header = header
        header.formatVersion = ArtifactHeader.currentFormatVersion
        let json: [UInt8]
        do {
            json = try HeaderRecord(header, rowsPerGroup: rowsPerGroup).encoded()
        } catch {
            throw invalid("the header cannot be encoded: \(error)")
        }
        guard json.count <= ArtifactFormat.maxHeaderBytes else {
            throw invalid(
                "the header is \(json.count) bytes; readers accept at most \(ArtifactFormat.maxHeaderBytes)",
                fix: "keep large data out of the header's metadata")
        }
        do {
            compressor = try ZstdCompressor(level: compressionLevel, workers: compressionWorkers)
        } catch {
            throw invalid("\(error)", fix: "use a compression level in \(ZstdCompressor.levelRange)")
        }

        self.path = path
        self.header = header
        self.rowsPerGroup = rowsPerGroup
        file = try AtomicFile(path: path, permissions: .ownerOnly)
        widths = header.columns.map(\.type.byteWidth)
        buffers = widths.map {
            UnsafeMutableRawPointer.allocate(byteCount: $0 * rowsPerGroup, alignment: 16)
        }

        // Fully initialized: from here an error runs deinit, which removes the temporary file.
        try guarded {
            try emit(ArtifactFormat.magic)
            try emitInteger(ArtifactHeader.currentFormatVersion)
            try emitInteger(UInt32(json.count))
            try emit(json)
        }
    }

    deinit {
        removeTemporary()
        for buffer in buffers { buffer.deallocate() }
    }

    /// Appends rows given column by column, in schema order, all of the same length.
    ///
    /// Any number of rows per call; the bytes written do not depend on how rows are split across calls.
    /// A call whose columns do not fit the schema throws `.invalidInput` and writes nothing, leaving the
    /// writer usable; an I/O failure closes the writer and removes the temporary file.
    public func append(columns: [ArtifactColumnData]) throws {
        try requireOpen()
        let rows = try validatedRowCount(columns)
        guard rows > 0 else { return }
        try guarded {
            var offset = 0
            while offset < rows {
                let take = min(rowsPerGroup - pendingRows, rows - offset)
                for index in columns.indices {
                    columns[index].copyLittleEndian(
                        from: offset, count: take, to: buffers[index] + pendingRows * widths[index])
                }
                pendingRows += take
                offset += take
                if pendingRows == rowsPerGroup { try flushGroup() }
            }
            rowCount += Int64(rows)
        }
    }

    /// Variadic form of ``append(columns:)``.
    public func append(_ columns: ArtifactColumnData...) throws {
        try append(columns: columns)
    }

    /// Finishes the file and moves it to ``path``; returns what ``ArtifactReader/verify(path:)`` will report.
    ///
    /// If the header declared a row count that differs from the rows appended, nothing is renamed: the
    /// temporary file is removed and `.invalidInput` is thrown.
    @discardableResult
    public func commit() throws -> ArtifactSummary {
        try requireOpen()
        if let declared = header.rowCount, declared != rowCount {
            let error = ArtifactError(
                code: .invalidInput, path: path,
                message: "the header declares \(declared) rows but \(rowCount) were appended")
            close(with: error)
            throw error
        }
        return try guarded {
            if pendingRows > 0 { try flushGroup() }
            try emit(ArtifactFormat.trailerMarker)
            try emitInteger(rowCount)
            let checksum = hasher.finalize()
            try emitInteger(checksum, hashed: false)
            try compressor.finish(sink: writeCompressed)
            try file.commit()
            state = .committed
            return ArtifactSummary(
                header: header, rowCount: rowCount, rowGroupCount: groupCount,
                contentChecksum: checksum, payloadBytes: payloadBytes, fileBytes: fileBytes)
        }
    }

    /// Abandons the artifact now, removing the temporary file; later calls throw `.writerClosed`.
    public func discard() {
        guard case .open = state else { return }
        close(with: ArtifactError(code: .writerClosed, path: path, message: "the writer was discarded"))
    }

    // MARK: - Payload

    private func flushGroup() throws {
        try emit(ArtifactFormat.groupMarker)
        try emitInteger(UInt32(pendingRows))
        for index in buffers.indices {
            try emit(UnsafeRawBufferPointer(start: buffers[index], count: pendingRows * widths[index]))
        }
        groupCount += 1
        pendingRows = 0
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }

    private func emitInteger<T: FixedWidthInteger>(_ value: T, hashed: Bool = true) throws {
        try withUnsafeBytes(of: value.littleEndian) { try emit($0, hashed: hashed) }
    }

    /// Adds payload bytes: hashed (except the checksum itself), compressed, written.
    private func emit(_ bytes: UnsafeRawBufferPointer, hashed: Bool = true) throws {
        if hashed { hasher.update(bytes) }
        payloadBytes += Int64(bytes.count)
        try compressor.compress(bytes, sink: writeCompressed)
    }

    private func writeCompressed(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        fileBytes += Int64(bytes.count)
    }

    // MARK: - State and errors

    private func requireOpen() throws {
        switch state {
        case .open:
            return
        case .committed:
            throw ArtifactError(
                code: .writerClosed, path: path, message: "the writer has already committed")
        case .closed(let error):
            throw error
        }
    }

    /// The number of rows in `columns`, or `.invalidInput` naming the first column that does not fit.
    private func validatedRowCount(_ columns: [ArtifactColumnData]) throws -> Int {
        func invalid(_ message: String) -> ArtifactError {
            ArtifactError(code: .invalidInput, path: path, message: message)
        }
        let schema = header.columns
        guard columns.count == schema.count else {
            throw invalid(
                "append got \(columns.count) columns but the schema has \(schema.count) ("
                    + schema.map(\.name).joined(separator: ", ") + ")")
        }
        let rows = columns.first?.count ?? 0
        for (column, data) in zip(schema, columns) {
            guard data.type == column.type else {
                throw invalid(
                    "column '\(column.name)' is \(column.type.rawValue) but append got "
                        + "\(data.type.rawValue) values")
            }
            guard data.count == rows else {
                throw invalid(
                    "column '\(column.name)' has \(data.count) values but '\(schema[0].name)' has \(rows)")
            }
        }
        if let declared = header.rowCount, rowCount + Int64(rows) > declared {
            throw invalid(
                "appending \(rows) rows would exceed the \(declared) rows the header declares")
        }
        return rows
    }

    /// Runs `body`; on failure closes the writer (removing the temporary file) and throws an ``ArtifactError``.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            let failure = AtomicFile.writeError(error, path: path, temporaryPath: temporaryPath)
            close(with: failure)
            throw failure
        }
    }

    private func close(with error: ArtifactError) {
        removeTemporary()
        state = .closed(error)
    }

    /// Closes the file and deletes the temporary file if it is still ours; safe to call repeatedly.
    private func removeTemporary() {
        file.discard()
    }
}
