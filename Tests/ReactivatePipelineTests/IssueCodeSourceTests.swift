import ReactivateCore
@testable import ReactivatePipeline
import Testing

/// The issue stage's own code source: blocks of kernel randomness, cut into 80-bit codes.
@Suite struct IssueCodeSourceTests {
    @Test func codesFromKernelBlocksAreCanonicalValidAndDistinctAcrossManyBlocks() throws {
        let source = KernelCodeSource()
        // 256 codes per 4 KB block: this crosses dozens of refills.
        let codes = (0..<20_000).map { _ in source.draw() }
        #expect(Set(codes).count == codes.count)
        for code in codes.prefix(500) {
            #expect(try CouponCode(parsing: code).canonical == code)
        }
        // Every symbol position takes many values: no block is reused or left zero.
        for position in [0, 5, 10, 15, 20] {
            let symbols = Set(codes.map { Array($0.utf8)[position] })
            #expect(symbols.count >= 20, "position \(position) took \(symbols.count) values")
        }
    }

    @Test func codesAreHandedOutByTheirFirstTwoSymbolsAndOtherwiseInDrawOrder() throws {
        let drawn = ["ZZ00-0000-0000-0000", "AB9Z-0000-0000-0000", "0000-0000-0000-0000", "AB00-0000-0000-0000", "ABZZ-0000-0000-0000"]
        // Same prefix "AB": kept as drawn (9Z, 00, ZZ), not sorted by the rest of the code.
        #expect(IssueStage.inIndexOrder(drawn) == [
            "0000-0000-0000-0000", "AB9Z-0000-0000-0000", "AB00-0000-0000-0000", "ABZZ-0000-0000-0000", "ZZ00-0000-0000-0000",
        ])
        let source = KernelCodeSource()
        let codes = (0..<5_000).map { _ in source.draw() }
        let ordered = IssueStage.inIndexOrder(codes)
        #expect(ordered.sorted() == codes.sorted(), "the same codes, only reordered")
        let prefixes = ordered.map { String($0.prefix(2)) }
        #expect(prefixes == prefixes.sorted())
    }

    @Test func blocksDoNotRepeat() {
        var generator = KernelRandomBlocks()
        let first = (0..<512).map { _ in generator.next() }
        let second = (0..<512).map { _ in generator.next() }
        #expect(first != second)
        #expect(Set(first + second).count == 1_024)
    }
}
