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
