import ReactivateCore
/// A fast, seedable xoshiro256** pseudo-random generator.
///
/// The simulator needs random streams that are reproducible from a seed and cheap to create per member,
/// so that any member's rows can be regenerated on their own (in parallel, in any order). xoshiro256**
/// passes BigCrush, needs four words of state and costs a few nanoseconds per draw. States are filled
/// from SplitMix64, as its authors recommend, so nearby seeds still give unrelated streams.
///
/// Not cryptographically secure: never use it for coupon codes or anything an attacker may guess.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose whole state is derived from one 64-bit seed.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        self.init(rawState: (mixer.next(), mixer.next(), mixer.next(), mixer.next()))
    }

    /// Creates an independent stream keyed by a seed plus two stream numbers.
    ///
    /// The simulator keys member streams by `(seed, memberId, purpose)`, so a member's rows never depend on
    /// which other members were generated, or in what order.
    public init(seed: UInt64, stream: UInt64, substream: UInt64 = 0) {
        self.init(seed: Self.key(seed, stream, substream))
    }

    /// Creates a generator from a raw xoshiro256** state, for known-answer tests against the reference code.
    ///
    /// An all-zero state would emit zeros forever, so it is replaced by a fixed non-zero state.
    public init(rawState: (UInt64, UInt64, UInt64, UInt64)) {
        if rawState == (0, 0, 0, 0) {
            (s0, s1, s2, s3) = (0x9E37_79B9_7F4A_7C15, 0xBF58_476D_1CE4_E5B9, 0x94D0_49BB_1331_11EB, 1)
        } else {
            (s0, s1, s2, s3) = rawState
        }
    }

    /// Returns the next 64 random bits (reference xoshiro256** step).
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// Hashes a seed and stream numbers into one well-mixed 64-bit key.
    ///
    /// Each part goes through the SplitMix64 finalizer before being combined, so keys for
    /// `(seed, 1, 2)` and `(seed, 2, 1)` are unrelated.
    public static func key(_ seed: UInt64, _ stream: UInt64, _ substream: UInt64) -> UInt64 {
        var h = SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        h = SplitMix64.mix(h ^ SplitMix64.mix(stream &+ 0xD1B5_4A32_D192_ED03))
        h = SplitMix64.mix(h ^ SplitMix64.mix(substream &+ 0x8CB9_2BA7_2F3D_8DD7))
        return h
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 &- k))
    }
}
