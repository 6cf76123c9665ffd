import ReactivateCore

/// One row of `member_locations`.
public struct MemberLocationRow: Sendable, Equatable {
    /// Where a location observation came from (`source` column).
    public enum Source: String, Sendable, CaseIterable {
        /// Location-based services (app or WeChat geolocation).
        case lbs
        /// A postal address, geocoded.
        case address
        /// A check-in at a store.
        case checkin
    }

    /// `member_id`.
    public var memberId: Int64
    /// `latitude` in degrees; exactly 0 together with longitude 0 is the source system's "unknown" placeholder.
    public var latitude: Double
    /// `longitude` in degrees.
    public var longitude: Double
    /// `observed_at`.
    public var observedAt: Int64
    /// `source`.
    public var source: Source

    /// Creates a row.
    public init(memberId: Int64, latitude: Double, longitude: Double, observedAt: Int64, source: Source) {
        self.memberId = memberId
        self.latitude = latitude
        self.longitude = longitude
        self.observedAt = observedAt
        self.source = source
    }

    /// Whether this is the (0, 0) "unknown" placeholder some source systems write instead of NULL.
    public var isPlaceholder: Bool { latitude == 0 && longitude == 0 }
}
