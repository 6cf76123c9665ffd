import Artifacts
import Testing

@Suite struct ArtifactCorruptionTests {
    /// A small artifact (3 row groups) whose every byte offset can be tried in a test.
    private func smallArtifact(in directory: ScratchDirectory) throws -> (path: String, bytes: [UInt8]) {
        let path = directory.file("extract.ract")
        try writeSample(to: path, rows: 250, rowsPerGroup: 100)
        return (path, try readFile(path))
    }

    /// Expects both a full read and `verify` to fail with `.corrupted`, naming `path` and the advice.
    private func expectCorrupted(_ path: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, read) in [
            ("readAll", { _ = try ArtifactReader.readAll(path: path) }),
            ("verify", { _ = try ArtifactReader.verify(path: path) }),
        ] as [(String, () throws -> Void)] {
            let error = expectArtifactError("\(name): \(what)", sourceLocation: sourceLocation, read)
            #expect(error?.code == .corrupted, "\(name): \(what)", sourceLocation: sourceLocation)
            #expect(error?.path == path, sourceLocation: sourceLocation)
            let text = error?.description ?? ""
            #expect(text.contains(path), sourceLocation: sourceLocation)
            #expect(text.contains("the artifact is truncated or corrupted; re-run the stage that writes it"), sourceLocation: sourceLocation)
            #expect(text.contains("reactivate run PIPELINE --as-of D --stages extract --force"), sourceLocation: sourceLocation)
        }
    }

    @Test func truncationAtAnyOffsetIsReportedWithThePath() throws {
        let directory = try ScratchDirectory()
        let (path, bytes) = try smallArtifact(in: directory)
        for cut in 0..<bytes.count {
            try writeFile(path, Array(bytes[..<cut]))
            expectCorrupted(path, "cut at \(cut) of \(bytes.count)")
        }
        let error = expectArtifactError {
            try writeFile(path, Array(bytes.dropLast()))
            _ = try ArtifactReader.readAll(path: path)
        }
        #expect(error?.message.contains("truncated") == true)
    }

    @Test func flippedByteAtAnyOffsetIsReportedWithThePath() throws {
        let directory = try ScratchDirectory()
        let (path, bytes) = try smallArtifact(in: directory)
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            try writeFile(path, damaged)
            expectCorrupted(path, "flip at \(offset) of \(bytes.count)")
        }
    }

    @Test func trailingBytesAfterTheFrameAreReported() throws {
        let directory = try ScratchDirectory()
        let (path, bytes) = try smallArtifact(in: directory)
        try writeFile(path, bytes + [0])
        expectCorrupted(path, "one trailing byte")
        try writeFile(path, bytes + bytes)
        expectCorrupted(path, "the artifact twice")
    }

    /// Rewrites the artifact with its payload changed by `edit`, re-compressed into a valid zstd frame,
    /// so only the artifact's own checks can notice.
    private func rewritePayload(_ path: String, _ edit: (inout [UInt8]) -> Void) throws {
        var payload = try ZstdDecompressor.decompress(try readFile(path))
        edit(&payload)
        try writeFile(path, try ZstdCompressor.compress(payload))
    }

    @Test func payloadDamageThatPassesZstdIsCaughtByTheArtifactChecksum() throws {
        let directory = try ScratchDirectory()
        let (path, original) = try smallArtifact(in: directory)
        let payload = try ZstdDecompressor.decompress(original)
        // Every offset in the row data (after the ~300-byte header), plus the trailer.
        for offset in stride(from: payload.count - 1, through: payload.count / 2, by: -7) {
            try writeFile(path, original)
            try rewritePayload(path) { $0[offset] ^= 0x01 }
            expectCorrupted(path, "payload flip at \(offset) of \(payload.count)")
        }
        try writeFile(path, original)
        try rewritePayload(path) { $0[$0.count - 30] ^= 0x01 }
        let error = expectArtifactError { _ = try ArtifactReader.verify(path: path) }
        #expect(error?.message.contains("checksum mismatch") == true, "\(String(describing: error))")
    }

    @Test func payloadCutShortInsideAValidFrameIsReported() throws {
        let directory = try ScratchDirectory()
        let (path, original) = try smallArtifact(in: directory)
        let payloadCount = try ZstdDecompressor.decompress(original).count
        for keep in [0, 3, 4, 6, 9, 50, payloadCount / 2, payloadCount - 21, payloadCount - 8, payloadCount - 1] {
            try writeFile(path, original)
            try rewritePayload(path) { $0 = Array($0.prefix(keep)) }
            expectCorrupted(path, "payload cut to \(keep) of \(payloadCount)")
        }
        try writeFile(path, original)
        try rewritePayload(path) { $0 = Array($0.prefix(payloadCount - 1)) }
        let error = expectArtifactError { _ = try ArtifactReader.readAll(path: path) }
        #expect(error?.message.contains("payload ends early") == true, "\(String(describing: error))")
    }

    @Test func trailerRowCountIsCheckedEvenWhenTheChecksumIsRecomputed() throws {
        let directory = try ScratchDirectory()
        let (path, _) = try smallArtifact(in: directory)
        // Forge the trailer: 249 rows instead of 250, with a checksum that matches the forged payload.
        try rewritePayload(path) { payload in
            let rowsField = payload.count - 16
            withUnsafeBytes(of: Int64(249).littleEndian) { payload.replaceSubrange(rowsField..<(rowsField + 8), with: $0) }
            let checksum = XXHash64.hash(Array(payload[..<(payload.count - 8)]))
            withUnsafeBytes(of: checksum.littleEndian) { payload.replaceSubrange((payload.count - 8)..., with: $0) }
        }
        let error = expectArtifactError { _ = try ArtifactReader.verify(path: path) }
        #expect(error?.code == .corrupted)
        #expect(error?.message.contains("the trailer records 249 rows but the file holds 250") == true, "\(String(describing: error))")
    }

    @Test func bytesAfterTheTrailerInsideTheFrameAreReported() throws {
        let directory = try ScratchDirectory()
        let (path, _) = try smallArtifact(in: directory)
        try rewritePayload(path) { $0.append(0) }
        let error = expectArtifactError { _ = try ArtifactReader.readAll(path: path) }
        #expect(error?.code == .corrupted)
        #expect(error?.message.contains("after the trailer") == true, "\(String(describing: error))")
    }

    @Test func fileThatIsNotAnArtifactIsReported() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("other.ract")
        try writeFile(path, try ZstdCompressor.compress(Array("hello, world: not an artifact".utf8)))
        expectCorrupted(path, "zstd frame of something else")
        let error = expectArtifactError { _ = try ArtifactReader(path: path) }
        #expect(error?.message.contains("not an artifact") == true)
        try writeFile(path, Array("plain text".utf8))
        expectCorrupted(path, "plain text")
    }

    @Test func newerFormatVersionAsksForAnUpgrade() throws {
        let directory = try ScratchDirectory()
        let (path, _) = try smallArtifact(in: directory)
        try rewritePayload(path) { $0[4] = 2 }
        let error = expectArtifactError { _ = try ArtifactReader(path: path) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("upgrade reactivate") == true)
    }

    @Test func missingFileSaysToRunTheStageFirst() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("never-written.ract")
        let error = expectArtifactError { _ = try ArtifactReader(path: path) }
        #expect(error?.code == .notFound)
        #expect(error?.description.contains(path) == true)
        #expect(error?.fix?.contains("run the stage that writes it") == true)
    }

    @Test func readerRepeatsItsErrorAfterAFailure() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        // Several zstd blocks, so the header decodes and the cut is met while reading rows.
        try writeSample(to: path, rows: 40_000)
        let bytes = try readFile(path)
        try writeFile(path, Array(bytes.prefix(bytes.count - 10)))
        let reader = try ArtifactReader(path: path)
        let first = expectArtifactError { while try reader.next() != nil {} }
        #expect(reader.rowsRead > 0)
        let second = expectArtifactError { _ = try reader.next() }
        #expect(first != nil)
        #expect(first == second)
        #expect(reader.summary == nil)
    }
}
