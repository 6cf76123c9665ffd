internal import CZstd

/// Streams exactly one zstd frame back into bytes, refusing anything that is not one whole, intact frame.
///
/// The frame counts as complete only once `ZSTD_decompressStream` returns 0 (all blocks decoded, checksum
/// verified, output flushed). Input after that is trailing data, an error; input that stops short of it
/// is a truncated frame, reported by ``finish()``. Not thread-safe: one decompressor belongs to one reader.
public final class ZstdDecompressor {
    private let context: OpaquePointer
    /// One `ZSTD_DStreamOutSize()` buffer reused by ``decompress(_:sink:)``.
    private let output: UnsafeMutableRawBufferPointer
    /// Whether the last call filled the output buffer, so zstd may still hold decoded bytes to flush.
    private var outputWasFull = false

    /// True once the frame has been fully decoded and its checksum verified.
    public private(set) var isFrameComplete = false

    public init() throws {
        guard let context = ZSTD_createDCtx() else {
            throw ZstdError(operation: "create decompression context", message: "out of memory")
        }
        self.context = context
        self.output = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    /// Decodes all of `bytes`, handing decoded bytes to `sink` in pieces of at most `ZSTD_DStreamOutSize()`.
    ///
    /// Throws a ``ZstdError`` for corrupt data, a checksum mismatch or bytes after the end of the frame.
    public func decompress(
        _ bytes: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var consumed = 0
        repeat {
            let produced = try decompressStep(input: bytes, consumed: &consumed, output: output)
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            }
        } while consumed < bytes.count || (outputWasFull && !isFrameComplete)
    }

    /// Declares the end of input: throws a `.truncated` ``ZstdError`` unless the frame was complete.
    public func finish() throws {
        guard isFrameComplete else {
            throw ZstdError(
                kind: .truncated, operation: "decompress",
                message: "truncated input: the zstd frame ended before it was complete")
        }
    }

    /// One `ZSTD_decompressStream` call over `input[consumed...]` into `output`; returns the bytes produced.
    ///
    /// The pull-style primitive behind ``decompress(_:sink:)`` and the artifact reader, which must stop
    /// decoding whenever its own buffer is full. Call it with no new input while ``needsFlush`` is true.
    func decompressStep(
        input: UnsafeRawBufferPointer, consumed: inout Int, output: UnsafeMutableRawBufferPointer
    ) throws -> Int {
        if isFrameComplete {
            guard consumed >= input.count else {
                throw ZstdError(
                    kind: .trailingData, operation: "decompress",
                    message: "unexpected data after the end of the zstd frame")
            }
            return 0
        }
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: consumed)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = try check(
            ZSTD_decompressStream(context, &outBuffer, &inBuffer), operation: "decompress")
        consumed = inBuffer.pos
        outputWasFull = outBuffer.pos == outBuffer.size
        if hint == 0 {
            isFrameComplete = true
            if consumed < input.count {
                throw ZstdError(
                    kind: .trailingData, operation: "decompress",
                    message: "unexpected data after the end of the zstd frame")
            }
        }
        return outBuffer.pos
    }

    /// True when zstd may still hold decoded bytes that a call without new input would flush.
    var needsFlush: Bool { outputWasFull && !isFrameComplete }

    /// Decodes one complete frame held in memory; for small payloads and tests.
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor()
        var result: [UInt8] = []
        try bytes.withUnsafeBytes { raw in
            try decompressor.decompress(raw) { result.append(contentsOf: $0) }
        }
        try decompressor.finish()
        return result
    }
}
