/// What a complete, verified artifact holds, as reported by ``ArtifactWriter/commit()`` and
/// ``ArtifactReader/verify(path:)``; the same file always gives the same summary.
public struct ArtifactSummary: Sendable, Equatable {
    public var header: ArtifactHeader
    /// Rows recorded in the trailer (and, when declared, in the header).
    public var rowCount: Int64
    public var rowGroupCount: Int
    /// XXH64 of the uncompressed payload: compare with the value recorded at write time to resume safely.
    public var contentChecksum: UInt64
    /// Size of the uncompressed payload in bytes.
    public var payloadBytes: Int64
    /// Size of the file on disk in bytes.
    public var fileBytes: Int64

    /// ``contentChecksum`` as 16 lowercase hex digits, for ledgers and logs.
    public var contentChecksumHex: String {
        let digits = String(contentChecksum, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
