/// A store found within a query radius, with its great-circle distance from the query point.
///
/// Hits are ordered nearest first, ties by the smaller `storeId`, so every consumer (assignment, reports)
/// sees the same order for the same data.
public struct StoreHit: Sendable, Hashable {
    public var storeId: Int64
    public var distanceMeters: Double

    public init(storeId: Int64, distanceMeters: Double) {
        self.storeId = storeId
        self.distanceMeters = distanceMeters
    }

    /// The canonical order: nearer first, then smaller store id.
    public static func precedes(_ lhs: StoreHit, _ rhs: StoreHit) -> Bool {
        if lhs.distanceMeters != rhs.distanceMeters { return lhs.distanceMeters < rhs.distanceMeters }
        return lhs.storeId < rhs.storeId
    }
}
