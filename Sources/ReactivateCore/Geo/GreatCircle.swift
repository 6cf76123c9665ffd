import Foundation

extension GeoPoint {
    /// The mean Earth radius R₁ = 6,371,008.8 m (IUGG), the radius SPEC fixes for every distance.
    public static let earthMeanRadiusMeters: Double = 6_371_008.8

    /// Great-circle distance to `other` in metres; see ``greatCircleDistanceMeters(from:to:)``.
    public func distanceMeters(to other: GeoPoint) -> Double {
        greatCircleDistanceMeters(from: self, to: other)
    }
}

/// Great-circle distance in metres on a sphere of radius ``GeoPoint/earthMeanRadiusMeters``.
///
/// Haversine, because it is well conditioned for the short distances that matter here (a few km):
/// `1 − cos θ` formulas lose all digits below ~1 m. The haversine term is clamped to [0, 1] and the angle
/// taken with `atan2(√h, √(1−h))`, so rounding can never produce NaN, even for antipodal points
/// (where precision degrades to about a decimetre, irrelevant for store radii).
/// The longitude difference is wrapped into −180...180, so 179.99 and −179.99 are 0.02° apart and ±180 coincide.
/// Exactly ±90° latitude has `cos φ = 0`, so all longitudes at a pole are the same point (distance 0).
/// The result is bitwise symmetric in its arguments and is the very function ``StoreIndex`` uses to decide
/// membership, so a caller re-checking a hit gets the identical number.
/// Inputs are not validated: non-finite input gives NaN; check ``GeoPoint/validity`` first.
public func greatCircleDistanceMeters(from: GeoPoint, to: GeoPoint) -> Double {
    SphericalPoint(from).centralAngle(to: SphericalPoint(to)) * GeoPoint.earthMeanRadiusMeters
}

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
