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
/// exported), so codes are just as unpredictable; a failing read stops the process, as a failing
/// `SystemRandomNumberGenerator` does.
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
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { fatalError("cannot open /dev/urandom (errno \(errno)): no secure source for coupon codes") }
        defer { close(descriptor) }
        block.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                let got = read(descriptor, raw.baseAddress! + filled, raw.count - filled)
                if got <= 0 {
                    if got < 0 && errno == EINTR { continue }
                    fatalError("reading /dev/urandom failed (errno \(errno)): no secure source for coupon codes")
                }
                filled += got
            }
        }
        position = 0
    }
}
