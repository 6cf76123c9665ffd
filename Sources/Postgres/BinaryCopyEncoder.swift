/// Builds a binary COPY stream (`COPY … FROM STDIN (FORMAT binary)`) in memory, one row at a time.
///
/// The caller flushes `bytes` to the server whenever it grows past a threshold (see
/// ``Connection/copyIn(_:operation:_:)``), so memory stays bounded however many rows are written.
public struct BinaryCopyEncoder: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var rowsEncoded = 0

    public init() {
        bytes.reserveCapacity(1 << 20)
        bytes.append(contentsOf: BinaryCopyDecoder.signature)
        bytes.appendBigEndian(Int32(0))  // flags
        bytes.appendBigEndian(Int32(0))  // header extension length
    }

    public mutating func beginRow(fieldCount: Int) {
        bytes.appendBigEndian(Int16(fieldCount))
        rowsEncoded += 1
    }

    public mutating func appendNull() { bytes.appendBigEndian(Int32(-1)) }

    public mutating func append(_ value: Int64) {
        bytes.appendBigEndian(Int32(8))
        bytes.appendBigEndian(value)
    }
    public mutating func append(_ value: Int32) {
        bytes.appendBigEndian(Int32(4))
        bytes.appendBigEndian(value)
    }
    public mutating func append(_ value: Int16) {
        bytes.appendBigEndian(Int32(2))
        bytes.appendBigEndian(value)
    }
    public mutating func append(_ value: Double) {
        bytes.appendBigEndian(Int32(8))
        bytes.appendBigEndian(value.bitPattern)
    }
    public mutating func append(_ value: Bool) {
        bytes.appendBigEndian(Int32(1))
        bytes.append(value ? 1 : 0)
    }
    /// Raw bytes into a bytea column.
    public mutating func append(bytes value: some Collection<UInt8>) {
        bytes.appendBigEndian(Int32(value.count))
        bytes.append(contentsOf: value)
    }
    public mutating func append(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            bytes.appendBigEndian(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
    /// Microseconds since 2000-01-01 00:00 UTC into a timestamptz column.
    public mutating func appendTimestamp(_ microseconds: Int64) { append(microseconds) }
    /// Days since 2000-01-01 into a date column.
    public mutating func appendDate(_ days: Int32) { append(days) }
    public mutating func append(_ value: PostgresNumeric) {
        let start = bytes.count
        bytes.appendBigEndian(Int32(0))
        value.appendBinary(to: &bytes)
        let length = Int32(bytes.count - start - 4)
        withUnsafeBytes(of: length.bigEndian) { lengthBytes in
            for index in 0..<4 { bytes[start + index] = lengthBytes[index] }
        }
    }
    /// Cents into a numeric column, exactly.
    public mutating func appendCents(_ cents: Int64) { append(PostgresNumeric(cents: cents)) }

    public mutating func append(_ value: Int64?) { if let value { append(value) } else { appendNull() } }
    public mutating func append(_ value: Int32?) { if let value { append(value) } else { appendNull() } }
    public mutating func append(_ value: Double?) { if let value { append(value) } else { appendNull() } }
    public mutating func append(_ value: Bool?) { if let value { append(value) } else { appendNull() } }
    public mutating func append(_ value: String?) { if let value { append(value) } else { appendNull() } }
    public mutating func appendTimestamp(_ value: Int64?) { if let value { append(value) } else { appendNull() } }
    public mutating func appendDate(_ value: Int32?) { if let value { append(value) } else { appendNull() } }

    /// Forgets the bytes already sent, keeping the buffer's capacity (no new header).
    public mutating func clear() { bytes.removeAll(keepingCapacity: true) }

    /// Lets `send` take the encoded bytes and leave an empty buffer in their place.
    mutating func handOff(_ send: (inout [UInt8]) throws -> Void) rethrows { try send(&bytes) }

    /// Appends the end-of-data trailer.
    public mutating func appendTrailer() { bytes.appendBigEndian(Int16(-1)) }
}
