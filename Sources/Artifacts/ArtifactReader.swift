#if canImport(Glibc)
@preconcurrency internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads an artifact row group by row group, checking everything on the way.
///
/// ``init(path:)`` reads and validates the header (magic, version, schema) before any row; ``next()``
/// returns row groups and, at the end, verifies the trailer (row count, XXH64 payload checksum) and that
/// the zstd frame is complete, intact and followed by nothing. Memory stays at one row group plus
/// zstd's buffers. Every error thrown is an ``ArtifactError``; truncation and corruption come out as
/// `.corrupted` with advice to re-run the stage that writes the artifact.
///
/// Not thread-safe: one reader belongs to one task.
public final class ArtifactReader {
    public let path: String
    public let header: ArtifactHeader
    /// The largest row group this file may contain, as its header states.
    public let rowsPerGroup: Int
    /// Rows returned so far.
    public private(set) var rowsRead: Int64 = 0
    /// Set once ``next()`` has returned `nil` after verifying the trailer.
    public private(set) var summary: ArtifactSummary?

    private let source: ArtifactPayloadSource
    private var groupCount = 0
    private var failure: ArtifactError?

    /// Opens `path` and validates its header; throws `.notFound`, `.corrupted` or `.unsupportedVersion`.
    public init(path: String) throws {
        self.path = path
        let fd: Int32
        do {
            fd = try SystemFile.openForReading(path)
        } catch {
            throw Self.readError(error, path: path, during: "opening the file")
        }
        let source: ArtifactPayloadSource
        do {
            source = try ArtifactPayloadSource(fd: fd)
        } catch {
            SystemFile.closeQuietly(fd)
            throw Self.readError(error, path: path, during: "opening the file")
        }
        self.source = source
        let record: HeaderRecord
        do {
            record = try Self.readHeader(source, path: path)
        } catch {
            throw Self.readError(error, path: path, during: "reading the header")
        }
        header = record.header
        rowsPerGroup = record.rowsPerGroup
    }

    /// The next row group, or `nil` once the whole file has been read and verified.
    ///
    /// After an error every later call throws the same error.
    public func next() throws -> ArtifactRowGroup? {
        try nextGroup(materialize: true)
    }

    /// Throws `.schemaMismatch` unless this artifact is of `kind` with exactly `columns` in order.
    public func requireSchema(kind: String, columns: [ArtifactColumn]) throws {
        guard header.kind == kind, header.columns == columns else {
            func describe(_ kind: String, _ columns: [ArtifactColumn]) -> String {
                "'\(kind)' with columns ("
                    + columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ") + ")"
            }
            throw ArtifactError(
                code: .schemaMismatch, path: path,
                message: "expected a \(describe(kind, columns)) artifact, found "
                    + describe(header.kind, header.columns),
                fix: "re-run the stage that writes it with this version of reactivate "
                    + "(e.g. `reactivate run PIPELINE --as-of D --stages \(kind) --force`)")
        }
    }

    /// Reads a whole artifact into memory, all rows of each column concatenated; for small files and tests.
    public static func readAll(path: String) throws -> ArtifactContents {
        let reader = try ArtifactReader(path: path)
        var columns = reader.header.columns.map { ArtifactColumnData.empty($0.type) }
        while let group = try reader.next() {
            for index in columns.indices { columns[index].append(group.columns[index]) }
        }
        guard let summary = reader.summary else {
            throw ArtifactError.corrupted(path, "the reader stopped before the trailer")
        }
        return ArtifactContents(header: reader.header, columns: columns, summary: summary)
    }

    /// Streams the whole file and checks its integrity without keeping any rows; used before resuming a run.
    ///
    /// Compare ``ArtifactSummary/contentChecksum`` with the value ``ArtifactWriter/commit()`` returned
    /// to know the file is the one that was written.
    public static func verify(path: String) throws -> ArtifactSummary {
        let reader = try ArtifactReader(path: path)
        while try reader.nextGroup(materialize: false) != nil {}
        guard let summary = reader.summary else {
            throw ArtifactError.corrupted(path, "the reader stopped before the trailer")
        }
        return summary
    }

    // MARK: - Payload

    private static func readHeader(_ source: ArtifactPayloadSource, path: String) throws -> HeaderRecord {
        let magic = try source.readBytes(ArtifactFormat.magic.count)
        guard magic == ArtifactFormat.magic else {
            throw ArtifactError.corrupted(path, "not an artifact: the payload does not start with \"RACT\"")
        }
        let version = try source.readInteger(UInt16.self)
        guard version <= ArtifactHeader.currentFormatVersion else {
            throw ArtifactError(
                code: .unsupportedVersion, path: path,
                message: "format version \(version) is newer than this build reads "
                    + "(\(ArtifactHeader.currentFormatVersion))",
                fix: "upgrade reactivate, or re-run the stage that writes it with this version")
        }
        guard version >= 1 else { throw ArtifactError.corrupted(path, "format version 0 is invalid") }
        let length = Int(try source.readInteger(UInt32.self))
        guard length <= ArtifactFormat.maxHeaderBytes else {
            throw ArtifactError.corrupted(path, "the header claims \(length) bytes, more than any real header")
        }
        let json = try source.readBytes(length)
        let record: HeaderRecord
        do {
            record = try HeaderRecord.decode(json)
        } catch {
            throw ArtifactError.corrupted(path, "the header is not valid JSON for format \(version)")
        }
        guard record.formatVersion == version else {
            throw ArtifactError.corrupted(
                path, "the header says format \(record.formatVersion) but the file starts with \(version)")
        }
        if let problem = record.header.problem() {
            throw ArtifactError.corrupted(path, "invalid header: \(problem)")
        }
        guard (1...ArtifactFormat.maxRowsPerGroup).contains(record.rowsPerGroup) else {
            throw ArtifactError.corrupted(path, "invalid header: rows per group \(record.rowsPerGroup)")
        }
        return record
    }

    private func nextGroup(materialize: Bool) throws -> ArtifactRowGroup? {
        if let failure { throw failure }
        if summary != nil { return nil }
        do {
            let marker = try source.readBytes(4)
            if marker == ArtifactFormat.groupMarker {
                return try readGroup(materialize: materialize)
            }
            if marker == ArtifactFormat.trailerMarker {
                try readTrailer()
                return nil
            }
            throw ArtifactError.corrupted(
                path, "expected a row group or the trailer after \(rowsRead) rows, found other bytes")
        } catch {
            let failure = Self.readError(
                error, path: path, during: "reading after row \(rowsRead) (row group \(groupCount + 1))")
            self.failure = failure
            throw failure
        }
    }

    private func readGroup(materialize: Bool) throws -> ArtifactRowGroup? {
        let rows = Int(try source.readInteger(UInt32.self))
        guard rows >= 1, rows <= rowsPerGroup else {
            throw ArtifactError.corrupted(
                path, "row group \(groupCount + 1) claims \(rows) rows; the header allows 1...\(rowsPerGroup)")
        }
        var columns: [ArtifactColumnData] = []
        if materialize {
            columns.reserveCapacity(header.columns.count)
            for column in header.columns {
                columns.append(
                    try ArtifactColumnData.read(column.type, count: rows) { try source.read(into: $0) })
            }
        } else {
            try source.skip(header.columns.reduce(0) { $0 + $1.type.byteWidth * rows })
        }
        rowsRead += Int64(rows)
        groupCount += 1
        return ArtifactRowGroup(schema: header.columns, columns: columns, rowCount: rows)
    }

    private func readTrailer() throws {
        let total = try source.readInteger(Int64.self)
        let computed = source.checksum
        let stored = try source.readInteger(UInt64.self, hashed: false)
        guard total == rowsRead else {
            throw ArtifactError.corrupted(
                path, "the trailer records \(total) rows but the file holds \(rowsRead)")
        }
        if let declared = header.rowCount, declared != total {
            throw ArtifactError.corrupted(
                path, "the header declares \(declared) rows but the file holds \(total)")
        }
        guard stored == computed else {
            throw ArtifactError.corrupted(
                path, "payload checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        guard try source.isAtEnd() else {
            throw ArtifactError.corrupted(path, "unexpected data after the trailer")
        }
        summary = ArtifactSummary(
            header: header, rowCount: total, rowGroupCount: groupCount, contentChecksum: stored,
            payloadBytes: source.payloadBytes, fileBytes: source.fileBytes)
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Turns any failure while reading into an ``ArtifactError``; `during` says where it happened.
    static func readError(_ error: any Error, path: String, during: String) -> ArtifactError {
        switch error {
        case let error as ArtifactError:
            return error
        case is PayloadEnded:
            return .corrupted(path, "the payload ends early, while \(during)")
        case let error as ZstdError:
            switch error.kind {
            case .truncated:
                return .corrupted(
                    path, "truncated: the file ends before its zstd frame is complete, while \(during)")
            case .trailingData:
                return .corrupted(path, "unexpected bytes after the end of the zstd frame")
            case .library:
                return .corrupted(path, "zstd cannot decode it (\(error.message)), while \(during)")
            }
        case let error as SystemCallError where error.errno == ENOENT && error.call == "open":
            return ArtifactError(
                code: .notFound, path: path, message: "no such file",
                fix: "run the stage that writes it first (e.g. "
                    + "`reactivate run PIPELINE --as-of D --stages extract`)")
        case let error as SystemCallError where error.errno == EACCES || error.errno == EPERM:
            return ArtifactError(
                code: .permissionDenied, path: path, message: "cannot read it: \(error.reason)",
                fix: "run reactivate as the user that wrote the artifact (files are mode 0600)")
        case let error as SystemCallError:
            return ArtifactError(
                code: .io, path: path, message: "\(error.call) failed while \(during): \(error.reason)")
        default:
            return ArtifactError(code: .io, path: path, message: "\(error), while \(during)")
        }
    }
}
