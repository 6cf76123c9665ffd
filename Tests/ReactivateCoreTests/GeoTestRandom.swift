import Foundation
import ReactivateCore
import ReactivateSimulation

/// SplitMix64: tiny, seedable, good enough to generate test data.
struct GeoTestRandom: RandomNumberGenerator {
    private var base: SplitMix64

    init(seed: UInt64) { base = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { base.next() }

    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    mutating func nextBool() -> Bool { next() & 1 == 1 }

    /// Uniform on the sphere (not uniform in lat/lon), never exactly null island.
    mutating func point() -> GeoPoint {
        let z = uniform(-1...1)
        return GeoPoint(latitude: asin(z) * 180 / .pi, longitude: uniform(-180...180))
    }

    /// A point within roughly `withinDegrees` of latitude of `center`, longitudes wrapped into range.
    mutating func point(near center: GeoPoint, withinDegrees spread: Double) -> GeoPoint {
        let latitude = min(90, max(-90, center.latitude + uniform(-spread...spread)))
        var longitude = center.longitude + uniform(-spread...spread) / max(0.01, cos(latitude * .pi / 180))
        while longitude > 180 { longitude -= 360 }
        while longitude < -180 { longitude += 360 }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }
}
