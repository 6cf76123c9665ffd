/// Numbers distinct doubles in order of first appearance: open addressing on their bit patterns.
///
/// `BGNBDLikelihood` looks up three values per distinct triple (close to a million at 2M+ customers);
/// `Dictionary<Double, _>` spent most of that in SipHash. The tables here stay small (the distinct
/// x, T and t_x values), so the probes hit the cache. −0 is numbered with +0, as they compare equal.
struct BGNBDValueNumbering {
    /// Bit patterns; a slot is empty when its number is −1.
    private var keys: [UInt64]
    private var numbers: [Int32]
    private var mask: Int
    /// The distinct values, by number.
    private(set) var values: [Double] = []

    init() {
        keys = [UInt64](repeating: 0, count: 64)
        numbers = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// The value's number, given the next free one when the value is new.
    mutating func number(_ value: Double) -> Int32 {
        let key = (value + 0.0).bitPattern
        var slot = Self.hash(key) & mask
        while numbers[slot] >= 0 {
            if keys[slot] == key { return numbers[slot] }
            slot = (slot + 1) & mask
        }
        let number = Int32(values.count)
        keys[slot] = key
        numbers[slot] = number
        values.append(value + 0.0)
        if 2 * values.count > keys.count { grow() }
        return number
    }

    private mutating func grow() {
        let capacity = 2 * keys.count
        var newKeys = [UInt64](repeating: 0, count: capacity)
        var newNumbers = [Int32](repeating: -1, count: capacity)
        let newMask = capacity - 1
        for (number, value) in values.enumerated() {
            let key = value.bitPattern
            var slot = Self.hash(key) & newMask
            while newNumbers[slot] >= 0 { slot = (slot + 1) & newMask }
            newKeys[slot] = key
            newNumbers[slot] = Int32(number)
        }
        keys = newKeys
        numbers = newNumbers
        mask = newMask
    }

    /// SplitMix64's finaliser: values that differ in low mantissa bits spread over the table.
    private static func hash(_ value: UInt64) -> Int {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }
}
