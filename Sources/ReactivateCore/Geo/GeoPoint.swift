/// A position on the Earth in degrees (WGS84 latitude and longitude, treated as a sphere).
///
/// Kept as two plain `Double`s so rows decoded from `float8` columns become points without conversion;
/// whether a point is usable is a separate question answered by ``validity``.
public struct GeoPoint: Sendable, Hashable {
    /// Degrees north of the equator, −90...90 when valid.
    public var latitude: Double
    /// Degrees east of Greenwich, −180...180 when valid (both ends denote the antimeridian).
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

extension GeoPoint {
    /// Why a coordinate cannot be used; the pipeline counts exclusions by ``name``.
    public enum InvalidReason: String, Sendable, Hashable, CaseIterable {
        /// Latitude or longitude is NaN or infinite (a failed parse or a division gone wrong upstream).
        case nonFinite = "non_finite"
        /// Latitude outside −90...90 (often latitude and longitude swapped).
        case latitudeOutOfRange = "latitude_out_of_range"
        /// Longitude outside −180...180 (often an unnormalised 0...360 value or a unit mix-up).
        case longitudeOutOfRange = "longitude_out_of_range"
        /// Exactly (0, 0), "null island": the placeholder apps and SDKs write when no fix is known.
        case nullIsland = "null_island"

        /// A stable snake_case name for reports and metrics (the raw value; never renamed).
        public var name: String { rawValue }
    }

    /// The outcome of validating a coordinate.
    public enum Validity: Sendable, Hashable {
        case valid
        case invalid(InvalidReason)
    }

    /// Classifies the coordinate, checking reasons in a fixed order so every point has exactly one reason:
    /// non-finite, then latitude range, then longitude range, then null island.
    ///
    /// Null island is matched exactly (`0.0` or `-0.0` in both fields): placeholders are written as exact
    /// zeros, while a real fix a few metres off (0, 0) is in the Gulf of Guinea and not worth special-casing.
    public var validity: Validity {
        guard latitude.isFinite, longitude.isFinite else { return .invalid(.nonFinite) }
        guard (-90.0...90.0).contains(latitude) else { return .invalid(.latitudeOutOfRange) }
        guard (-180.0...180.0).contains(longitude) else { return .invalid(.longitudeOutOfRange) }
        if latitude == 0, longitude == 0 { return .invalid(.nullIsland) }
        return .valid
    }

    /// The reason the point is invalid, or nil when it is usable.
    public var invalidReason: InvalidReason? {
        if case .invalid(let reason) = validity { return reason }
        return nil
    }

    /// True when the point can take part in distance computations.
    public var isValid: Bool { validity == .valid }
}
