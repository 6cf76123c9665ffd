internal import CZstd

/// The payload ended (the zstd frame completed) before the reader had everything it needed.
struct PayloadEnded: Error {}

/// Pulls exact byte counts out of an artifact file: reads the file, decodes the one zstd frame, and
/// hashes every payload byte handed out, so the reader only ever thinks in payload fields.
///
/// Holds one file buffer and one decode buffer (~128 KB each) plus zstd's window; large reads are
/// decoded straight into the caller's buffer.
final class ArtifactPayloadSource {
    private let fd: Int32
    private let decompressor: ZstdDecompressor
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    private let output: UnsafeMutableRawBufferPointer
    private var outputStart = 0
    private var outputEnd = 0
    private var hasher = XXHash64()
    /// Payload bytes handed out so far.
    private(set) var payloadBytes: Int64 = 0
    /// File bytes read so far.
    private(set) var fileBytes: Int64 = 0

    /// Takes ownership of `fd`, closing it in deinit.
    init(fd: Int32) throws {
        decompressor = try ZstdDecompressor()
        self.fd = fd
        input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        output = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
    }

    deinit {
        SystemFile.closeQuietly(fd)
        input.deallocate()
        output.deallocate()
    }

    /// XXH64 of every hashed byte handed out so far.
    var checksum: UInt64 { hasher.finalize() }

    /// Fills all of `destination`, or throws ``PayloadEnded`` if the frame ends first.
    func read(into destination: UnsafeMutableRawBufferPointer, hashed: Bool = true) throws {
        guard let base = destination.baseAddress else { return }
        var filled = 0
        while filled < destination.count {
            let wanted = destination.count - filled
            if outputStart == outputEnd {
                if wanted >= output.count {
                    // Decode straight into the caller's buffer: saves a copy for column data.
                    let target = UnsafeMutableRawBufferPointer(start: base + filled, count: wanted)
                    let produced = try decode(into: target)
                    guard produced > 0 else { throw PayloadEnded() }
                    take(UnsafeRawBufferPointer(start: base + filled, count: produced), hashed: hashed)
                    filled += produced
                    continue
                }
                outputStart = 0
                outputEnd = try decode(into: output)
                guard outputEnd > 0 else { throw PayloadEnded() }
            }
            let count = min(outputEnd - outputStart, wanted)
            let source = UnsafeRawBufferPointer(rebasing: output[outputStart..<(outputStart + count)])
            UnsafeMutableRawBufferPointer(start: base + filled, count: count).copyMemory(from: source)
            take(UnsafeRawBufferPointer(start: base + filled, count: count), hashed: hashed)
            outputStart += count
            filled += count
        }
    }

    /// Reads `count` bytes.
    func readBytes(_ count: Int, hashed: Bool = true) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), hashed: hashed)
            initialized = count
        }
    }

    /// Reads one little-endian integer.
    func readInteger<T: FixedWidthInteger>(_: T.Type, hashed: Bool = true) throws -> T {
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try read(into: $0, hashed: hashed) }
        return T(littleEndian: value)
    }

    /// Reads and hashes `count` bytes without keeping them, through the decode buffer.
    func skip(_ count: Int) throws {
        var remaining = count
        while remaining > 0 {
            if outputStart == outputEnd {
                outputStart = 0
                outputEnd = try decode(into: output)
                guard outputEnd > 0 else { throw PayloadEnded() }
            }
            let step = min(outputEnd - outputStart, remaining)
            take(UnsafeRawBufferPointer(rebasing: output[outputStart..<(outputStart + step)]), hashed: true)
            outputStart += step
            remaining -= step
        }
    }

    /// True when the payload has no bytes left, the frame is complete and verified by zstd, and the
    /// file has nothing after it; throws a ``ZstdError`` for trailing bytes or a truncated frame.
    func isAtEnd() throws -> Bool {
        if outputStart < outputEnd { return false }
        var probe: UInt8 = 0
        let produced = try withUnsafeMutableBytes(of: &probe) { try decode(into: $0) }
        return produced == 0
    }

    private func take(_ bytes: UnsafeRawBufferPointer, hashed: Bool) {
        if hashed { hasher.update(bytes) }
        payloadBytes += Int64(bytes.count)
    }

    /// Decodes into `target`; returns 0 only once the frame is complete and the file has nothing after it.
    private func decode(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if decompressor.isFrameComplete {
                try requireEndOfFile()
                return 0
            }
            if inputStart == inputEnd && !decompressor.needsFlush {
                let count = try SystemFile.readSome(fd, into: input)
                guard count > 0 else {
                    try decompressor.finish()  // throws `.truncated`: the file ended mid-frame
                    return 0
                }
                fileBytes += Int64(count)
                inputStart = 0
                inputEnd = count
            }
            var consumed = inputStart
            let produced = try decompressor.decompressStep(
                input: UnsafeRawBufferPointer(rebasing: input[0..<inputEnd]), consumed: &consumed,
                output: target)
            inputStart = consumed
            if produced > 0 { return produced }
        }
    }

    private func requireEndOfFile() throws {
        var extra = inputEnd - inputStart
        if extra == 0 {
            extra = try SystemFile.readSome(fd, into: input)
            fileBytes += Int64(extra)
        }
        if extra > 0 {
            throw ZstdError(
                kind: .trailingData, operation: "decompress",
                message: "unexpected data after the end of the zstd frame")
        }
    }
}
