import Artifacts
import Testing

@Suite struct ZstdTests {
    /// Compresses `input` in pieces of `pieceSize` bytes, with empty writes in between.
    private func compress(_ input: [UInt8], pieceSize: Int, level: Int = 3, workers: Int = 0) throws -> [UInt8] {
        let compressor = try ZstdCompressor(level: level, workers: workers)
        var output: [UInt8] = []
        let sink: (UnsafeRawBufferPointer) -> Void = { output.append(contentsOf: $0) }
        try input.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + pieceSize, raw.count)
                try compressor.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<end]), sink: sink)
                try compressor.compress(UnsafeRawBufferPointer(start: nil, count: 0), sink: sink)
                offset = end
            }
        }
        try compressor.finish(sink: sink)
        return output
    }

    /// Decompresses `frame` fed in pieces of `pieceSize` bytes.
    private func decompress(_ frame: [UInt8], pieceSize: Int) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor()
        var output: [UInt8] = []
        try frame.withUnsafeBytes { raw in
            var offset = 0
            repeat {
                let end = min(offset + pieceSize, raw.count)
                try decompressor.decompress(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) {
                    output.append(contentsOf: $0)
                }
                offset = end
            } while offset < raw.count
        }
        try decompressor.finish()
        return output
    }

    @Test(arguments: [0, 1, 7_919, 10_000_000])
    func roundTripSurvivesOddSizedWrites(size: Int) throws {
        let input = sampleBytes(count: size, seed: UInt64(size))
        let frame = try compress(input, pieceSize: 7_919)
        #expect(try decompress(frame, pieceSize: 4_099) == input)
        #expect(try decompress(frame, pieceSize: 1 << 20) == input)
        #expect(try ZstdDecompressor.decompress(frame) == input)
    }

    @Test func highlyCompressibleInputRoundTripsThroughSmallOutputBuffers() throws {
        // 64 MB of zeros compress to a few KB, so each input piece expands to many output buffers.
        let input = [UInt8](repeating: 0, count: 64 << 20)
        let frame = try compress(input, pieceSize: 1 << 20)
        #expect(frame.count < 64 << 10)
        #expect(try decompress(frame, pieceSize: 3) == input)
    }

    @Test func outputDoesNotDependOnHowInputIsSplit() throws {
        let input = sampleBytes(count: 300_000, seed: 7)
        let whole = try ZstdCompressor.compress(input)
        for pieceSize in [1, 7_919, 131_071] {
            #expect(try compress(input, pieceSize: pieceSize) == whole, "piece size \(pieceSize)")
        }
    }

    @Test func frameCarriesAContentChecksum() throws {
        // Frame header descriptor bit 2 is Content_Checksum_flag.
        let frame = try ZstdCompressor.compress(sampleBytes(count: 10_000))
        #expect(frame[4] & 0b100 != 0)
    }

    @Test func truncatedFrameIsAnErrorAtEveryCut() throws {
        let input = sampleBytes(count: 300_000, seed: 3)
        let frame = try ZstdCompressor.compress(input)
        // Every cut of the first and last 600 bytes (frame header, first block, checksum) and
        // every 97th byte in between; "after the header" is offset 6 for this frame.
        var cuts = Set(0..<600).union((frame.count - 600)..<frame.count)
        cuts.formUnion(stride(from: 600, to: frame.count, by: 97))
        cuts.insert(frame.count / 2)
        for cut in cuts.sorted() {
            let error = #expect(throws: ZstdError.self, "cut at \(cut) of \(frame.count)") {
                _ = try ZstdDecompressor.decompress(Array(frame[..<cut]))
            }
            #expect(error?.kind == .truncated || error?.kind == .library, "cut at \(cut)")
        }
        let lastByteCut = #expect(throws: ZstdError.self) {
            _ = try ZstdDecompressor.decompress(Array(frame.dropLast()))
        }
        #expect(lastByteCut?.kind == .truncated)
        #expect(lastByteCut?.description.contains("truncated") == true)
    }

    @Test func flippedByteAnywhereIsAnError() throws {
        let input = sampleBytes(count: 20_000, seed: 11)
        let frame = try ZstdCompressor.compress(input)
        for offset in frame.indices {
            var damaged = frame
            damaged[offset] ^= 0xFF
            #expect(throws: ZstdError.self, "flip at \(offset) of \(frame.count)") {
                _ = try ZstdDecompressor.decompress(damaged)
            }
        }
    }

    @Test func flippedChecksumByteIsReportedAsAChecksumError() throws {
        let frame = try ZstdCompressor.compress(sampleBytes(count: 50_000, seed: 5))
        for offset in (frame.count - 4)..<frame.count {
            var damaged = frame
            damaged[offset] ^= 0x01
            let error = #expect(throws: ZstdError.self) { _ = try ZstdDecompressor.decompress(damaged) }
            #expect(error?.kind == .library)
            #expect(error?.message.lowercased().contains("checksum") == true, "\(String(describing: error))")
        }
    }

    @Test(arguments: [[0x00], [0x28, 0xB5, 0x2F, 0xFD], Array("garbage".utf8)] as [[UInt8]])
    func trailingGarbageIsAnError(garbage: [UInt8]) throws {
        let frame = try ZstdCompressor.compress(sampleBytes(count: 5_000))
        let error = #expect(throws: ZstdError.self) {
            _ = try ZstdDecompressor.decompress(frame + garbage)
        }
        #expect(error?.kind == .trailingData)
    }

    @Test func secondFrameAfterTheFirstIsAnError() throws {
        let frame = try ZstdCompressor.compress(sampleBytes(count: 5_000))
        // Also when the second frame arrives in a separate call.
        let decompressor = try ZstdDecompressor()
        try frame.withUnsafeBytes { try decompressor.decompress($0) { _ in } }
        #expect(decompressor.isFrameComplete)
        let error = #expect(throws: ZstdError.self) {
            try frame.withUnsafeBytes { try decompressor.decompress($0) { _ in } }
        }
        #expect(error?.kind == .trailingData)
    }

    @Test func emptyInputIsATruncatedFrame() throws {
        let error = #expect(throws: ZstdError.self) { _ = try ZstdDecompressor.decompress([]) }
        #expect(error?.kind == .truncated)
    }

    @Test func levelOutsideZstdsRangeIsRefusedWithZstdsBounds() throws {
        let error = #expect(throws: ZstdError.self) { _ = try ZstdCompressor(level: 1_000) }
        #expect(error?.operation == "set compression level")
        #expect(error?.description.contains("1000") == true)
    }

    @Test func notAZstdFrameCarriesZstdsOwnMessage() throws {
        let error = #expect(throws: ZstdError.self) {
            _ = try ZstdDecompressor.decompress(Array("definitely not zstd".utf8))
        }
        #expect(error?.kind == .library)
        #expect(error?.operation == "decompress")
        #expect(error?.message.isEmpty == false)
    }

    @Test func workersAreUsedOnlyWhenLibzstdSupportsThemAndStillRoundTrip() throws {
        let compressor = try ZstdCompressor(workers: 2)
        #expect(compressor.workers == (ZstdCompressor.supportsWorkers ? 2 : 0))
        let input = sampleBytes(count: 3_000_000, seed: 9)
        let frame = try compress(input, pieceSize: 65_536, workers: 2)
        #expect(try ZstdDecompressor.decompress(frame) == input)
    }
}
