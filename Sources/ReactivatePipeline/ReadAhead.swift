import Foundation

/// Produces a sequence's elements on a thread of its own, up to `depth` ahead of the consumer.
///
/// The stages walk their artifacts a row group at a time; decompressing and decoding a group took as
/// long as using it (score's first pass: 0.1 s of each), one after the other, on one of two cores. Read
/// ahead, the next group is decoded while the current one is used. Elements, the end (`nil`) and the
/// first error arrive in order; after the end or an error, `next()` repeats it. Dropping the reader
/// stops the thread.
final class ReadAhead<Element: Sendable> {
    /// What the producing thread and the consumer share; the thread holds this, not the reader, so a
    /// reader dropped early can still stop it. (A condition, not semaphores: libdispatch traps when a
    /// semaphore is freed below its initial count, which is what stopping early leaves.)
    private final class Channel: @unchecked Sendable {
        private let condition = NSCondition()
        private var items: [Result<Element?, any Error>] = []
        private var stopped = false
        private let depth: Int

        init(depth: Int) { self.depth = max(1, depth) }

        func run(_ produce: () throws -> Element?) {
            while true {
                condition.lock()
                while items.count >= depth && !stopped { condition.wait() }
                let stop = stopped
                condition.unlock()
                if stop { return }
                let item = Result { try produce() }
                condition.lock()
                items.append(item)
                condition.broadcast()
                condition.unlock()
                if case .success(.some) = item { continue }
                return  // the end or an error: nothing follows
            }
        }

        func take() -> Result<Element?, any Error> {
            condition.lock()
            defer { condition.unlock() }
            while items.isEmpty { condition.wait() }
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private let channel: Channel
    private var last: Result<Element?, any Error>?

    /// `produce` runs on the new thread only, so it may own state that is not thread-safe.
    init(depth: Int = 2, _ produce: @escaping () throws -> Element?) {
        let channel = Channel(depth: depth)
        self.channel = channel
        let producer = UncheckedTransfer(produce)
        // Nobody waits for it: the thread ends at the end, at an error, or once the reader is dropped.
        _ = BackgroundWork { channel.run(producer.value) }
    }

    deinit { channel.stop() }

    func next() throws -> Element? {
        if let last { return try last.get() }
        let item = channel.take()
        if case .success(.some) = item {} else { last = item }
        return try item.get()
    }
}

/// Hands a value to exactly one other thread; the caller promises not to touch it afterwards.
private struct UncheckedTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
