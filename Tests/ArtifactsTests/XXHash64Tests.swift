import Artifacts
import Testing

@Suite struct XXHash64Tests {
    /// Reference values from the `xxhash` reference implementation (XXH64, seed 0).
    @Test func matchesReferenceValues() {
        #expect(XXHash64.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
        let long = (0..<3).flatMap { _ in (0...255).map { UInt8($0) } } + Array("xyz".utf8)
        #expect(XXHash64.hash(long) == 0xE921_A1B4_5BD7_79F8)
    }

    @Test func anySplitOfTheInputGivesTheSameHash() {
        let bytes = sampleBytes(count: 10_000, seed: 4)
        let whole = XXHash64.hash(bytes)
        for piece in [1, 3, 31, 32, 33, 1_000, 4_097] {
            var hasher = XXHash64()
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let end = min(offset + piece, raw.count)
                    hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                }
            }
            #expect(hasher.finalize() == whole, "piece size \(piece)")
        }
    }
}
