#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import ReactivateCore
import Synchronization

/// Fresh coupon codes from the kernel CSPRNG, read 4 KB at a time.
///
/// `SystemRandomNumberGenerator` makes one getrandom(2) call per 64-bit draw, two per code: at a
/// million coupons that is two million system calls inside the issuing transaction. The bytes come from
/// the same kernel generator (/dev/urandom, which Glibc's Swift module offers where getrandom is not
/// exported), so codes are just as unpredictable. Where /dev/urandom cannot be read (a chroot without
/// /dev), the block is filled by `SystemRandomNumberGenerator` instead: slower, never weaker.
final class KernelCodeSource: Sendable {
    private let generator = Mutex(KernelRandomBlocks())

    func draw() -> String {
        generator.withLock { CouponCode.random(using: &$0) }.canonical
    }
}

/// A `RandomNumberGenerator` over blocks read from /dev/urandom (opened for each block, so no
/// descriptor outlives a draw and none leaks into child processes).
struct KernelRandomBlocks: RandomNumberGenerator {
    private var block = [UInt64](repeating: 0, count: 512)
    private var position = 512

    mutating func next() -> UInt64 {
        if position == block.count { refill() }
        defer { position += 1 }
        return block[position]
    }

    private mutating func refill() {
        if !readKernelBlock() {
            var system = SystemRandomNumberGenerator()
            for index in block.indices { block[index] = system.next() }
        }
        position = 0
    }

    /// Fills the whole block from /dev/urandom; false when the device cannot be opened or read.
    private mutating func readKernelBlock() -> Bool {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return block.withUnsafeMutableBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            var filled = 0
            while filled < raw.count {
                let got = read(descriptor, base + filled, raw.count - filled)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { return false }
                filled += got
            }
            return true
        }
    }
}
