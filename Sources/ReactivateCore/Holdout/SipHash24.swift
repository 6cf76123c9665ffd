/// SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed 64-bit PRF with a 128-bit key.
///
/// Used for holdout arms because it is a real keyed PRF (unlike FNV or Swift's `Hasher`, which is
/// randomly seeded per process and therefore useless for arms that must be stable across runs), is
/// tiny to implement, and is available in most languages, so analysts can recompute arms elsewhere.
///
/// Incremental: bytes can be appended in pieces, and a partially fed hasher is a value that can be copied
/// (e.g. fed a campaign prefix once, then copied per member). Output equals the reference implementation's
/// `siphash(out, in, inlen, k)` read as a little-endian `UInt64`.
public struct SipHash24: Sendable {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Bytes not yet forming a full 8-byte word, little-endian in the low bits.
    private var tail: UInt64 = 0
    private var tailCount: Int = 0
    /// Total bytes appended (only the low 8 bits enter the final block, per the specification).
    private var length: UInt64 = 0

    /// A hasher keyed with `k0` = key bytes 0–7 and `k1` = key bytes 8–15, both read little-endian.
    public init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736f_6d65_7073_6575
        v1 = k1 ^ 0x646f_7261_6e64_6f6d
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    /// A hasher keyed with a holdout key.
    public init(key: HoldoutKey) {
        self.init(k0: key.k0, k1: key.k1)
    }

    /// The hash of `bytes` under the key (`k0`, `k1`).
    public static func hash(_ bytes: some Sequence<UInt8>, k0: UInt64, k1: UInt64) -> UInt64 {
        var hasher = SipHash24(k0: k0, k1: k1)
        hasher.append(contentsOf: bytes)
        return hasher.finalize()
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << UInt64(8 * tailCount)
        tailCount += 1
        length &+= 1
        if tailCount == 8 {
            compress(tail)
            tail = 0
            tailCount = 0
        }
    }

    /// Appends bytes in order.
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        for byte in bytes { append(byte) }
    }

    /// Appends the 8 bytes of `value` in little-endian order (one word at a time when aligned).
    public mutating func append(littleEndian value: UInt64) {
        length &+= 8
        if tailCount == 0 {
            compress(value)
            return
        }
        let shift = UInt64(8 * tailCount)
        compress(tail | (value << shift))
        tail = value >> (64 - shift)
    }

    /// The 64-bit hash of everything appended so far (the hasher itself is left unchanged).
    public func finalize() -> UInt64 {
        var state = self
        let last = ((length & 0xff) << 56) | tail
        state.v3 ^= last
        state.round()
        state.round()
        state.v0 ^= last
        state.v2 ^= 0xff
        state.round()
        state.round()
        state.round()
        state.round()
        return state.v0 ^ state.v1 ^ state.v2 ^ state.v3
    }

    @inline(__always)
    private mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        round()
        v0 ^= word
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1
        v1 = Self.rotl(v1, 13)
        v1 ^= v0
        v0 = Self.rotl(v0, 32)
        v2 &+= v3
        v3 = Self.rotl(v3, 16)
        v3 ^= v2
        v0 &+= v3
        v3 = Self.rotl(v3, 21)
        v3 ^= v0
        v2 &+= v1
        v1 = Self.rotl(v1, 17)
        v1 ^= v2
        v2 = Self.rotl(v2, 32)
    }

    @inline(__always)
    private static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
