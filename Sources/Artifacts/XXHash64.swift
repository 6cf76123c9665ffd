/// Streaming XXH64 (Yann Collet's xxHash, 64-bit): the artifact payload checksum.
///
/// Chosen over FNV-1a because it hashes 32 bytes per step (several GB/s in release builds), so checking
/// every payload byte costs little next to zstd. Public so tools and tests can recompute an artifact's
/// content checksum; values match the reference implementation (`xxhsum -H64`).
public struct XXHash64: Sendable {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    private var v4: UInt64
    private var totalLength: UInt64 = 0
    /// Up to 31 bytes not yet forming a whole 32-byte stripe.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.prime1 &+ Self.prime2
        v2 = seed &+ Self.prime2
        v3 = seed
        v4 = seed &- Self.prime1
    }

    /// The hash of `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hasher = XXHash64(seed: seed)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The hash of `bytes` in one call.
    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator &+ lane &* prime2).rotatedLeft(31) &* prime1
    }

    @inline(__always)
    private static func merge(_ hash: UInt64, _ accumulator: UInt64) -> UInt64 {
        (hash ^ round(0, accumulator)) &* prime1 &+ prime4
    }

    @inline(__always)
    private static func lane(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Adds `bytes` to the running hash; any split of the same bytes gives the same result.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        totalLength &+= UInt64(count)

        if pendingCount > 0 {
            let take = min(32 - pendingCount, count)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { raw in
                raw.baseAddress.map { ($0 + filled).copyMemory(from: base, byteCount: take) }
            }
            pendingCount += take
            base += take
            count -= take
            guard pendingCount == 32 else { return }
            let stripe = pending
            withUnsafeBytes(of: stripe) { raw in
                if let stripeBase = raw.baseAddress { consumeStripes(stripeBase, count: 32) }
            }
            pendingCount = 0
        }

        let whole = count & ~31
        if whole > 0 { consumeStripes(base, count: whole) }
        let rest = count - whole
        if rest > 0 {
            let tail = base + whole
            withUnsafeMutableBytes(of: &pending) { raw in
                raw.baseAddress.map { $0.copyMemory(from: tail, byteCount: rest) }
            }
            pendingCount = rest
        }
    }

    /// Runs the four accumulators over `count` bytes, a multiple of 32.
    @inline(__always)
    private mutating func consumeStripes(_ base: UnsafeRawPointer, count: Int) {
        var a = v1, b = v2, c = v3, d = v4
        var offset = 0
        while offset < count {
            a = Self.round(a, Self.lane(base, offset))
            b = Self.round(b, Self.lane(base, offset + 8))
            c = Self.round(c, Self.lane(base, offset + 16))
            d = Self.round(d, Self.lane(base, offset + 24))
            offset += 32
        }
        v1 = a
        v2 = b
        v3 = c
        v4 = d
    }

    /// The hash of everything passed to ``update(_:)`` so far; the hasher can keep going afterwards.
    public func finalize() -> UInt64 {
        var hash: UInt64
        if totalLength >= 32 {
            hash = v1.rotatedLeft(1) &+ v2.rotatedLeft(7) &+ v3.rotatedLeft(12) &+ v4.rotatedLeft(18)
            hash = Self.merge(hash, v1)
            hash = Self.merge(hash, v2)
            hash = Self.merge(hash, v3)
            hash = Self.merge(hash, v4)
        } else {
            hash = seed &+ Self.prime5
        }
        hash &+= totalLength

        let count = pendingCount
        withUnsafeBytes(of: pending) { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset + 8 <= count {
                hash ^= Self.round(0, Self.lane(base, offset))
                hash = hash.rotatedLeft(27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if offset + 4 <= count {
                let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                hash ^= UInt64(word) &* Self.prime1
                hash = hash.rotatedLeft(23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < count {
                hash ^= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &* Self.prime5
                hash = hash.rotatedLeft(11) &* Self.prime1
                offset += 1
            }
        }

        hash ^= hash >> 33
        hash &*= Self.prime2
        hash ^= hash >> 29
        hash &*= Self.prime3
        hash ^= hash >> 32
        return hash
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
