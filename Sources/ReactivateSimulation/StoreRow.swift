import ReactivateCore

/// One row of `stores`.
public struct StoreRow: Sendable, Equatable {
    /// `store_id`, 1…S.
    public var storeId: Int64
    /// `name`, e.g. "Lotus Shanghai #12" or "上海 #3".
    public var name: String
    /// `latitude` in degrees.
    public var latitude: Double
    /// `longitude` in degrees.
    public var longitude: Double
    /// `opened_on`; NULL for a few old flagships whose opening date was never recorded.
    public var openedOn: Int32?
    /// `closed_on`; the store is open on day D when opened_on ≤ D (or NULL) and (closed_on is NULL or > D).
    public var closedOn: Int32?

    /// Creates a row.
    public init(storeId: Int64, name: String, latitude: Double, longitude: Double, openedOn: Int32?, closedOn: Int32?) {
        self.storeId = storeId
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.openedOn = openedOn
        self.closedOn = closedOn
    }

    /// Whether the store is open on `day`, by the specification's rule.
    public func isOpen(on day: Int32) -> Bool {
        (openedOn.map { $0 <= day } ?? true) && (closedOn.map { $0 > day } ?? true)
    }
}
