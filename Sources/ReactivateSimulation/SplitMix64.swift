import ReactivateCore

/// SplitMix64: the standard way to expand one 64-bit seed into generator state.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The current counter; advanced by the golden-ratio increment on every draw.
    public var state: UInt64

    /// Starts the sequence at `state`.
    public init(state: UInt64) {
        self.state = state
    }

    /// Returns the next 64 bits of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finalizer: a bijective 64-bit mixing function, used for hashing keys.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
