import Foundation
@testable import ReactivatePipeline
import Synchronization
import Testing

/// The artifact readers decode row groups ahead on a thread of their own; what the stages see must be
/// what a plain loop would give: every element in order, then the end or the error, repeated.
@Suite struct ReadAheadTests {
    struct Broken: Error, Equatable { let at: Int }

    @Test func elementsArriveInOrderThenTheEndRepeats() throws {
        var next = 0
        let reader = ReadAhead<Int>(depth: 2) {
            defer { next += 1 }
            return next < 1_000 ? next : nil
        }
        var seen: [Int] = []
        while let value = try reader.next() { seen.append(value) }
        #expect(seen == Array(0..<1_000))
        #expect(try reader.next() == nil)
    }

    @Test func anErrorArrivesAfterTheElementsBeforeItAndRepeats() throws {
        var next = 0
        let reader = ReadAhead<Int>(depth: 3) {
            defer { next += 1 }
            if next == 5 { throw Broken(at: next) }
            return next
        }
        for expected in 0..<5 { #expect(try reader.next() == expected) }
        #expect(throws: Broken(at: 5)) { try reader.next() }
        #expect(throws: Broken(at: 5)) { try reader.next() }
    }

    final class Counter: Sendable {
        let count = Mutex(0)
    }

    @Test func droppingTheReaderStopsTheProducerWithinItsDepth() throws {
        let counter = Counter()
        var reader: ReadAhead<Int>? = ReadAhead(depth: 2) {
            counter.count.withLock { $0 += 1 }
            return 1
        }
        #expect(try reader?.next() == 1)
        reader = nil
        Thread.sleep(forTimeInterval: 0.2)
        let stoppedAt = counter.count.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.2)
        // One consumed, two queued ahead, at most one more in progress when the reader went away.
        #expect(stoppedAt <= 4)
        #expect(counter.count.withLock { $0 } == stoppedAt)
    }
}
