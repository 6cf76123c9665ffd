import Foundation

/// A point with `cos φ` and its unit vector cached, so repeated haversines against it skip that work.
struct SphericalPoint: Sendable, Hashable {
    var latitudeDegrees: Double
    var longitudeDegrees: Double
    var cosLatitude: Double

    init(_ point: GeoPoint) {
        latitudeDegrees = point.latitude
        longitudeDegrees = point.longitude
        // cos(π/2) rounds to 6e-17, not 0; snapping makes every longitude at a pole the same point.
        cosLatitude = abs(point.latitude) == 90 ? 0 : cos(point.latitude * (Double.pi / 180))
    }

    /// Unit vector on the sphere (x towards lon 0, z towards the north pole).
    var unitVector: SIMD3<Double> {
        let longitude = longitudeDegrees * (Double.pi / 180)
        return SIMD3(
            cosLatitude * cos(longitude), cosLatitude * sin(longitude), sin(latitudeDegrees * (Double.pi / 180)))
    }

    /// Central angle in radians (haversine); symmetric bit for bit in `self` and `other`.
    ///
    /// Differences are taken in degrees before converting (exact for nearby values), and the longitude
    /// difference is wrapped into −180...180, so nearby points keep full precision and ±180 coincide exactly.
    @inline(__always)
    func centralAngle(to other: SphericalPoint) -> Double {
        var deltaLongitude = other.longitudeDegrees - longitudeDegrees
        if deltaLongitude > 180 {
            deltaLongitude -= 360
        } else if deltaLongitude < -180 {
            deltaLongitude += 360
        }
        let sinHalfDLat = sin((other.latitudeDegrees - latitudeDegrees) * (Double.pi / 360))
        let sinHalfDLon = sin(deltaLongitude * (Double.pi / 360))
        let h = sinHalfDLat * sinHalfDLat + (cosLatitude * other.cosLatitude) * (sinHalfDLon * sinHalfDLon)
        let clamped = min(max(h, 0), 1)
        return 2 * atan2(clamped.squareRoot(), (1 - clamped).squareRoot())
    }
}
