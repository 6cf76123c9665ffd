import Foundation

/// A spatial index over store locations answering "which stores are within r metres of this point?".
///
/// Built once per run from the open stores, then queried once per member (up to ~10M times), so queries
/// must cost microseconds, not a scan of every store.
///
/// Why a k-d tree over 3-D unit vectors rather than a latitude/longitude grid: on the unit sphere the
/// straight-line (chord) distance is a monotone function of the great-circle distance, and 3-D space has no
/// seams. The antimeridian (lon ±180) and the poles — where a lat/lon grid needs wrap-around cells and
/// a longitude span that grows like 1/cos φ until it covers every cell — are ordinary points here, so the
/// query code has no special cases to get wrong. The tree also works for any radius passed per query
/// (a grid is tuned to one cell size), and at ~5,000 stores it is ~10 levels deep and ~400 KB.
///
/// The tree only prunes, using the chord bound plus a 6 mm safety margin. Membership is decided by
/// ``greatCircleDistanceMeters(from:to:)`` itself (`distance <= radius`, so a point exactly on the radius
/// is inside), so an index answer always agrees bit for bit with a brute-force scan. Immutable and
/// `Sendable`: build once, share across tasks.
public struct StoreIndex: Sendable {
    /// A store left out of the index because its coordinates are unusable.
    public struct RejectedStore: Sendable, Hashable {
        public var id: Int64
        public var location: GeoPoint
        public var reason: GeoPoint.InvalidReason
    }

    /// Stores whose location failed ``GeoPoint/validity``, in input order, for the run report.
    public let rejected: [RejectedStore]

    /// Tree nodes in implicit layout: the node of a range `lo..<hi` sits at `(lo + hi) / 2`, its left subtree
    /// fills `lo..<mid` and its right subtree `mid+1..<hi`; ranges of at most `leafSize` nodes are scanned.
    private let nodes: [Node]

    /// Ranges this small are scanned linearly: cheaper than descending further.
    private static let leafSize = 8

    /// Safety margin added to the chord bound while pruning, in unit-sphere chord (≈ 6.4 mm on the Earth);
    /// floating-point error in the chord and in the haversine is ~1e-16, so pruning never drops a true hit.
    private static let chordSlack = 1e-9

    /// Number of indexed (valid) stores.
    public var count: Int { nodes.count }

    /// Indexes the valid stores and reports the invalid ones in ``rejected``.
    ///
    /// Store ids are expected to be unique (`stores.store_id` is the primary key); duplicates are indexed
    /// as separate entries. The tree shape depends only on the set of stores, not on their input order.
    public init(stores: [(id: Int64, location: GeoPoint)]) {
        var rejected: [RejectedStore] = []
        var work: [Node] = []
        work.reserveCapacity(stores.count)
        for store in stores {
            if let reason = store.location.invalidReason {
                rejected.append(RejectedStore(id: store.id, location: store.location, reason: reason))
            } else {
                work.append(Node(id: store.id, location: store.location))
            }
        }
        Self.build(&work, 0, work.count)
        self.nodes = work
        self.rejected = rejected
    }

    /// Stores within `radiusMeters` of `point`, nearest first, ties by smaller store id.
    ///
    /// A store at exactly `radiusMeters` is included. An invalid `point` (see ``GeoPoint/validity``), a
    /// negative or NaN radius gives no hits; a radius of half the circumference or more gives every store.
    public func stores(within radiusMeters: Double, of point: GeoPoint) -> [StoreHit] {
        var hits: [StoreHit] = []
        stores(within: radiusMeters, of: point, into: &hits)
        return hits
    }

    /// Same as ``stores(within:of:)`` but refills `hits` (emptied first), so a loop over millions of
    /// members can reuse one buffer instead of allocating an array per query.
    public func stores(within radiusMeters: Double, of point: GeoPoint, into hits: inout [StoreHit]) {
        hits.removeAll(keepingCapacity: true)
        guard radiusMeters >= 0, point.isValid, !nodes.isEmpty else { return }
        let query = Query(point)
        let bound = Self.chordBound(radiusMeters: radiusMeters)
        nodes.withUnsafeBufferPointer { buffer in
            Self.collect(buffer, 0, buffer.count, query, bound * bound, radiusMeters, &hits)
        }
        if hits.count > 1 { hits.sort(by: StoreHit.precedes) }
    }

    /// The nearest store to `point` (ties by smaller store id), or nil if there is none within
    /// `maxDistanceMeters` (inclusive), the index is empty, or `point` is invalid.
    public func nearest(to point: GeoPoint, within maxDistanceMeters: Double = .infinity) -> StoreHit? {
        guard maxDistanceMeters >= 0, point.isValid, !nodes.isEmpty else { return nil }
        let query = Query(point)
        let limit = Self.chordBound(radiusMeters: maxDistanceMeters)
        var best: StoreHit?
        nodes.withUnsafeBufferPointer { buffer in
            // Phase 1: smallest chord. Phase 2: rescan everything within that chord (plus slack) and pick
            // by the haversine, so the answer equals the first hit of `stores(within:of:)` even on near-ties.
            var bestSquared = limit * limit
            Self.nearestChord(buffer, 0, buffer.count, query, &bestSquared)
            let bound = bestSquared.squareRoot() + Self.chordSlack
            var hits: [StoreHit] = []
            Self.collect(buffer, 0, buffer.count, query, bound * bound, maxDistanceMeters, &hits)
            best = hits.min(by: StoreHit.precedes)
        }
        return best
    }

    // MARK: - Internals

    private struct Node: Sendable {
        var vector: SIMD3<Double>
        var spherical: SphericalPoint
        var id: Int64
        /// Axis (0, 1, 2) this node splits its range on; meaningless inside leaves.
        var splitAxis: Int

        init(id: Int64, location: GeoPoint) {
            self.spherical = SphericalPoint(location)
            self.vector = spherical.unitVector
            self.id = id
            self.splitAxis = 0
        }
    }

    private struct Query {
        var vector: SIMD3<Double>
        var spherical: SphericalPoint

        init(_ point: GeoPoint) {
            spherical = SphericalPoint(point)
            vector = spherical.unitVector
        }
    }

    /// Chord length on the unit sphere that bounds a great-circle radius, with the safety margin.
    private static func chordBound(radiusMeters: Double) -> Double {
        let angle = radiusMeters / GeoPoint.earthMeanRadiusMeters
        let chord = angle >= Double.pi ? 2 : 2 * sin(angle / 2)
        return chord + chordSlack
    }

    /// Builds the implicit tree: split each range on its widest axis at the median (ties by id for a
    /// shape independent of input order).
    private static func build(_ nodes: inout [Node], _ lo: Int, _ hi: Int) {
        guard hi - lo > leafSize else { return }
        var low = nodes[lo].vector
        var high = low
        for index in lo..<hi {
            low = pointwiseMin(low, nodes[index].vector)
            high = pointwiseMax(high, nodes[index].vector)
        }
        let spread = high - low
        let axis = spread.x >= spread.y ? (spread.x >= spread.z ? 0 : 2) : (spread.y >= spread.z ? 1 : 2)
        nodes[lo..<hi].sort { a, b in
            a.vector[axis] != b.vector[axis] ? a.vector[axis] < b.vector[axis] : a.id < b.id
        }
        let mid = (lo + hi) / 2
        nodes[mid].splitAxis = axis
        build(&nodes, lo, mid)
        build(&nodes, mid + 1, hi)
    }

    @inline(__always)
    private static func squaredChord(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
        let d = a - b
        return d.x * d.x + d.y * d.y + d.z * d.z
    }

    /// Appends every node in `lo..<hi` whose great-circle distance is at most `radiusMeters`.
    private static func collect(
        _ nodes: UnsafeBufferPointer<Node>, _ lo: Int, _ hi: Int, _ query: Query,
        _ boundSquared: Double, _ radiusMeters: Double, _ hits: inout [StoreHit]
    ) {
        if hi - lo <= leafSize {
            for index in lo..<hi {
                consider(nodes[index], query, boundSquared, radiusMeters, &hits)
            }
            return
        }
        let mid = (lo + hi) / 2
        let node = nodes[mid]
        consider(node, query, boundSquared, radiusMeters, &hits)
        let delta = query.vector[node.splitAxis] - node.vector[node.splitAxis]
        if delta <= 0 || delta * delta <= boundSquared {
            collect(nodes, lo, mid, query, boundSquared, radiusMeters, &hits)
        }
        if delta >= 0 || delta * delta <= boundSquared {
            collect(nodes, mid + 1, hi, query, boundSquared, radiusMeters, &hits)
        }
    }

    @inline(__always)
    private static func consider(
        _ node: Node, _ query: Query, _ boundSquared: Double, _ radiusMeters: Double,
        _ hits: inout [StoreHit]
    ) {
        guard squaredChord(node.vector, query.vector) <= boundSquared else { return }
        let distance = query.spherical.centralAngle(to: node.spherical) * GeoPoint.earthMeanRadiusMeters
        if distance <= radiusMeters {
            hits.append(StoreHit(storeId: node.id, distanceMeters: distance))
        }
    }

    /// Classic nearest-neighbour descent on the chord, near side first; shrinks `bestSquared`.
    private static func nearestChord(
        _ nodes: UnsafeBufferPointer<Node>, _ lo: Int, _ hi: Int, _ query: Query, _ bestSquared: inout Double
    ) {
        if hi - lo <= leafSize {
            for index in lo..<hi {
                bestSquared = min(bestSquared, squaredChord(nodes[index].vector, query.vector))
            }
            return
        }
        let mid = (lo + hi) / 2
        let node = nodes[mid]
        bestSquared = min(bestSquared, squaredChord(node.vector, query.vector))
        let delta = query.vector[node.splitAxis] - node.vector[node.splitAxis]
        let (near, far) = delta <= 0 ? ((lo, mid), (mid + 1, hi)) : ((mid + 1, hi), (lo, mid))
        nearestChord(nodes, near.0, near.1, query, &bestSquared)
        if delta * delta <= bestSquared {
            nearestChord(nodes, far.0, far.1, query, &bestSquared)
        }
    }
}
