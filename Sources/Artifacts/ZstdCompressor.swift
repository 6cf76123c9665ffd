internal import CZstd

/// Streams bytes into one zstd frame with a content checksum, handing compressed bytes to a sink.
///
/// Output is deterministic for the same level and input, independent of how the input is split into
/// `compress` calls. Not thread-safe: one compressor belongs to one writer.
public final class ZstdCompressor {
    /// zstd's own default: a good speed/ratio balance for columnar integers.
    public static let defaultLevel = 3

    /// Whether the linked libzstd was built with multithreading (`ZSTD_MULTITHREAD`).
    public static var supportsWorkers: Bool {
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)
        return ZSTD_isError(bounds.error) == 0 && bounds.upperBound >= 1
    }

    /// The accepted compression levels of the linked libzstd (negative levels are the "fast" ones).
    public static var levelRange: ClosedRange<Int> {
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_compressionLevel)
        guard ZSTD_isError(bounds.error) == 0 else { return 1...19 }
        return Int(bounds.lowerBound)...Int(bounds.upperBound)
    }

    private let context: OpaquePointer
    /// One `ZSTD_CStreamOutSize()` buffer, reused for every call so compression allocates nothing per write.
    private let output: UnsafeMutableRawBufferPointer

    public let level: Int
    /// Worker threads actually in use: 0 unless requested and supported by the linked libzstd.
    public let workers: Int

    /// Creates a compressor for one or more consecutive frames.
    ///
    /// - Parameters:
    ///   - level: zstd compression level, default 3; must lie in ``levelRange``.
    ///   - workers: worker threads for compression; 0 (the default) compresses on the caller's thread.
    ///     A positive value is used only when ``supportsWorkers`` is true and is otherwise ignored, because
    ///     single-threaded output is always valid. Multithreaded output is the same for any worker count
    ///     ≥ 1 but differs from `workers: 0` (checked with libzstd 1.5.4), so artifacts stay single-threaded.
    public init(level: Int = ZstdCompressor.defaultLevel, workers: Int = 0) throws {
        guard Self.levelRange.contains(level) else {
            throw ZstdError(
                operation: "set compression level",
                message: "level \(level) is outside zstd's range \(Self.levelRange)")
        }
        guard let context = ZSTD_createCCtx() else {
            throw ZstdError(operation: "create compression context", message: "out of memory")
        }
        self.context = context
        self.output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        self.level = level
        self.workers = workers > 0 && Self.supportsWorkers ? workers : 0
        // Fully initialized from here on, so deinit frees the context even when a parameter below throws.
        try check(
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)),
            operation: "set compression level")
        try check(
            ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), operation: "enable frame checksum")
        if self.workers > 0 {
            try check(
                ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(clamping: self.workers)),
                operation: "set worker count")
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Feeds `bytes` into the current frame; compressed bytes reach `sink` as zstd produces them.
    ///
    /// The sink's buffer is only valid during the call. An error from `sink` is rethrown unchanged.
    public func compress(
        _ bytes: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        var input = ZSTD_inBuffer(src: base, size: bytes.count, pos: 0)
        while input.pos < input.size {
            try step(&input, directive: ZSTD_e_continue, sink: sink)
        }
    }

    /// Ends the frame (flushing buffered data, the epilogue and checksum) so the next `compress` starts a new one.
    public func finish(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, directive: ZSTD_e_end, sink: sink) != 0 {}
    }

    /// One `ZSTD_compressStream2` call; returns zstd's "bytes still to flush" hint.
    @discardableResult
    private func step(
        _ input: inout ZSTD_inBuffer, directive: ZSTD_EndDirective,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = try check(
            ZSTD_compressStream2(context, &out, &input, directive), operation: "compress")
        if out.pos > 0 {
            try sink(UnsafeRawBufferPointer(rebasing: output[0..<out.pos]))
        }
        return remaining
    }

    /// Compresses `bytes` into one complete frame in memory; for small payloads and tests.
    public static func compress(_ bytes: [UInt8], level: Int = defaultLevel) throws -> [UInt8] {
        let compressor = try ZstdCompressor(level: level)
        var result: [UInt8] = []
        let append: (UnsafeRawBufferPointer) -> Void = { result.append(contentsOf: $0) }
        try bytes.withUnsafeBytes { try compressor.compress($0, sink: append) }
        try compressor.finish(sink: append)
        return result
    }
}
