import Postgres
import Testing

/// Pure decoder tests: no server, every chunking of a hand-built stream.
@Suite struct BinaryCopyDecoderTests {
    /// A stream of rows (bigint, text NULL-able, float8) built by the encoder.
    static func sampleStream(rows: Int) -> [UInt8] {
        var encoder = BinaryCopyEncoder()
        for index in 0..<rows {
            encoder.beginRow(fieldCount: 3)
            encoder.append(Int64(index) * 1_000_003 - 7)
            encoder.append(index % 3 == 0 ? nil : "member \(index) 会员" as String?)
            encoder.append(Double(index) / 7)
        }
        encoder.appendTrailer()
        return encoder.bytes
    }

    static func decode(_ stream: [UInt8], chunkSize: Int) throws -> [String] {
        var decoder = BinaryCopyDecoder(expectedFieldCount: 3)
        var rows: [String] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            try stream[offset..<end].withUnsafeBytes { chunk in
                try decoder.feed(chunk) { row in
                    rows.append("\(try row.int64(0))|\(try row.optionalText(1) ?? "NULL")|\(try row.float64(2))")
                }
            }
            offset = end
        }
        try decoder.finish()
        return rows
    }

    @Test(arguments: [1, 2, 3, 7, 19, 64, 4096, 1 << 20])
    func anyChunkingYieldsTheSameRows(chunkSize: Int) throws {
        let stream = Self.sampleStream(rows: 500)
        let whole = try Self.decode(stream, chunkSize: stream.count)
        #expect(whole.count == 500)
        #expect(whole[1] == "999996|member 1 会员|\(1.0 / 7)")
        #expect(whole[3] == "3000002|NULL|\(3.0 / 7)")
        #expect(try Self.decode(stream, chunkSize: chunkSize) == whole)
    }

    @Test func truncatedStreamIsAnErrorNotShortData() throws {
        let stream = Self.sampleStream(rows: 50)
        for cut in [1, 5, 19, 40, stream.count / 2, stream.count - 2, stream.count - 1] {
            #expect(throws: BinaryCopyError.self) { try Self.decode(Array(stream.prefix(cut)), chunkSize: 13) }
        }
    }

    @Test func wrongSignatureIsRefused() throws {
        var stream = Self.sampleStream(rows: 2)
        stream[0] = 0x51
        #expect(throws: BinaryCopyError.self) { try Self.decode(stream, chunkSize: 64) }
    }

    @Test func unexpectedFieldCountIsRefused() throws {
        var encoder = BinaryCopyEncoder()
        encoder.beginRow(fieldCount: 2)
        encoder.append(Int64(1))
        encoder.append(Int64(2))
        encoder.appendTrailer()
        #expect(throws: BinaryCopyError.self) { try Self.decode(encoder.bytes, chunkSize: 64) }
    }

    @Test func readingNullAsNonNullIsAnError() throws {
        var encoder = BinaryCopyEncoder()
        encoder.beginRow(fieldCount: 3)
        encoder.append(nil as Int64?)
        encoder.append("x")
        encoder.append(1.0)
        encoder.appendTrailer()
        #expect(throws: BinaryCopyError.self) { try Self.decode(encoder.bytes, chunkSize: 64) }
    }

    @Test(arguments: [
        (Int128(0), 2, "0.00"), (Int128(-1), 2, "-0.01"), (Int128(123_456_789), 2, "1234567.89"),
        (Int128(5), 1, "0.5"), (Int128(-99_999_999_999_99), 2, "-99999999999.99"), (Int128(10_000), 0, "10000"),
        (Int128(1), 7, "0.0000001"),
    ])
    func numericBinaryFormRoundTrips(unscaled: Int128, scale: Int, text: String) throws {
        let value = PostgresNumeric(unscaled: unscaled, scale: scale)
        #expect(value.description == text)
        var encoder = BinaryCopyEncoder()
        encoder.beginRow(fieldCount: 1)
        encoder.append(value)
        encoder.appendTrailer()
        var decoder = BinaryCopyDecoder(expectedFieldCount: 1)
        var decoded: PostgresNumeric?
        try encoder.bytes.withUnsafeBytes { chunk in
            try decoder.feed(chunk) { row in decoded = try row.numeric(0) }
        }
        try decoder.finish()
        #expect(decoded == value)
    }
}
