internal import CZstd

/// A zstd failure, kept as "what we were doing" plus zstd's own words so logs say both.
public struct ZstdError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Which kind of failure, so callers can tell a cut-off stream from a damaged one.
    public enum Kind: String, Sendable {
        /// libzstd reported an error (corrupt data, checksum mismatch, bad parameter, out of memory).
        case library
        /// The input ended before the zstd frame was complete.
        case truncated
        /// Bytes follow the end of the frame; an artifact is exactly one frame.
        case trailingData
    }

    public var kind: Kind
    /// What we were doing, in words: "compress", "decompress", "set compression level".
    public var operation: String
    /// zstd's message (`ZSTD_getErrorName`) or ours for truncation and trailing data.
    public var message: String

    public init(kind: Kind = .library, operation: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.message = message
    }

    public var description: String { "zstd \(operation) failed: \(message)" }
}

/// Turns a libzstd `size_t` result into a value or a ``ZstdError``; the only place that reads zstd error codes.
@discardableResult
func check(_ code: Int, operation: String) throws -> Int {
    if ZSTD_isError(code) != 0 {
        let name = ZSTD_getErrorName(code).map { String(cString: $0) } ?? "unknown zstd error \(code)"
        throw ZstdError(kind: .library, operation: operation, message: name)
    }
    return code
}
