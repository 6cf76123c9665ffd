import Foundation
import ReactivateCore
import Testing

@Suite struct StoreIndexTests {
    /// Stores spread to stress every awkward region: uniform, both poles (including exactly ±90),
    /// both sides of the antimeridian (including exactly ±180), and a dense city cluster.
    static func awkwardStores(seed: UInt64) -> [(id: Int64, location: GeoPoint)] {
        var random = GeoTestRandom(seed: seed)
        var locations: [GeoPoint] = []
        for _ in 0..<1_000 { locations.append(random.point()) }
        for _ in 0..<300 {
            locations.append(GeoPoint(latitude: random.uniform(89.7...90), longitude: random.uniform(-180...180)))
            locations.append(GeoPoint(latitude: random.uniform(-90 ... -89.7), longitude: random.uniform(-180...180)))
        }
        for longitude in [-180.0, -90, 0, 45, 180] {
            locations.append(GeoPoint(latitude: 90, longitude: longitude))
            locations.append(GeoPoint(latitude: -90, longitude: longitude))
        }
        for _ in 0..<400 {
            let side = random.nextBool() ? random.uniform(179.7...180) : random.uniform(-180 ... -179.7)
            locations.append(GeoPoint(latitude: random.uniform(-60...60), longitude: side))
        }
        for latitude in [-30.0, 0.5, 20] {
            locations.append(GeoPoint(latitude: latitude, longitude: 180))
            locations.append(GeoPoint(latitude: latitude, longitude: -180))
        }
        let shanghai = GeoPoint(latitude: 31.2304, longitude: 121.4737)
        for _ in 0..<500 { locations.append(random.point(near: shanghai, withinDegrees: 0.3)) }
        // Duplicated locations, to exercise the tie-break on store id.
        locations.append(contentsOf: locations.prefix(20))
        var ids = Array(Int64(1)...Int64(locations.count)).map { $0 * 7 % 100_003 }
        ids.shuffle(using: &random)
        return zip(ids, locations).map { (id: $0, location: $1) }
    }

    static func queries(around stores: [(id: Int64, location: GeoPoint)], seed: UInt64) -> [GeoPoint] {
        var random = GeoTestRandom(seed: seed)
        var points: [GeoPoint] = []
        for index in 0..<1_200 {
            let store = stores[Int(random.next() % UInt64(stores.count))].location
            switch index % 4 {
            case 0: points.append(random.point())
            case 1: points.append(random.point(near: store, withinDegrees: 0.05))
            case 2: points.append(random.point(near: store, withinDegrees: 1))
            default: points.append(store)
            }
        }
        for longitude in [-180.0, -123, 0, 77, 180] {
            points.append(GeoPoint(latitude: 90, longitude: longitude))
            points.append(GeoPoint(latitude: -90, longitude: longitude))
            points.append(GeoPoint(latitude: 12.5, longitude: longitude == 0 ? 180 : longitude))
        }
        return points.filter(\.isValid)
    }

    static func bruteForce(_ stores: [(id: Int64, location: GeoPoint)], _ point: GeoPoint) -> [StoreHit] {
        stores.map { StoreHit(storeId: $0.id, distanceMeters: greatCircleDistanceMeters(from: point, to: $0.location)) }
            .sorted(by: StoreHit.precedes)
    }

    @Test func indexAgreesWithBruteForceEverywhereIncludingPolesAndAntimeridian() {
        let stores = Self.awkwardStores(seed: 1)
        let index = StoreIndex(stores: stores)
        #expect(index.count == stores.count)
        #expect(index.rejected.isEmpty)
        let radii: [Double] = [0, 250, 3_000, 40_000, 600_000]
        var nonEmpty = 0
        var hits: [StoreHit] = []
        for (number, point) in Self.queries(around: stores, seed: 2).enumerated() {
            let all = Self.bruteForce(stores, point)
            for radius in radii {
                index.stores(within: radius, of: point, into: &hits)
                let expected = all.filter { $0.distanceMeters <= radius }
                #expect(hits == expected, "radius \(radius) at \(point)")
                if !expected.isEmpty { nonEmpty += 1 }
            }
            if number % 20 == 0 {
                #expect(index.stores(within: 2.5e7, of: point) == all)
            }
            #expect(index.nearest(to: point) == all.first)
            #expect(index.nearest(to: point, within: 3_000) == all.first.flatMap { $0.distanceMeters <= 3_000 ? $0 : nil })
        }
        #expect(nonEmpty > 2_000)  // the comparison is not vacuous
    }

    @Test func aStoreExactlyOnTheRadiusIsInsideAndJustBeyondIsOutside() {
        var random = GeoTestRandom(seed: 3)
        for _ in 0..<2_000 {
            let store = random.point()
            let member = random.point(near: store, withinDegrees: 0.03)
            let index = StoreIndex(stores: [(id: 9, location: store)])
            let distance = greatCircleDistanceMeters(from: member, to: store)
            #expect(index.stores(within: distance, of: member).map(\.storeId) == [9])
            #expect(index.stores(within: distance.nextDown, of: member).isEmpty)
            #expect(index.stores(within: distance, of: member).first?.distanceMeters == distance)
        }
    }

    @Test func storesAcrossTheAntimeridianAreFound() {
        let index = StoreIndex(stores: [
            (id: 1, location: GeoPoint(latitude: 10, longitude: 179.99)),
            (id: 2, location: GeoPoint(latitude: 10, longitude: -179.995)),
            (id: 3, location: GeoPoint(latitude: 10, longitude: 179.0)),
        ])
        let hits = index.stores(within: 3_000, of: GeoPoint(latitude: 10, longitude: -179.99))
        #expect(hits.map(\.storeId) == [2, 1])
        #expect(hits[1].distanceMeters > 2_180 && hits[1].distanceMeters < 2_200)
        #expect(index.nearest(to: GeoPoint(latitude: 10, longitude: 180))?.storeId == 2)  // 0.005° vs 0.01°
    }

    @Test func storesAroundAPoleAreFoundFromAnyLongitude() {
        let index = StoreIndex(stores: [
            (id: 5, location: GeoPoint(latitude: 90, longitude: 45)),
            (id: 4, location: GeoPoint(latitude: 90, longitude: -170)),
            (id: 6, location: GeoPoint(latitude: 89.99, longitude: 180)),
            (id: 7, location: GeoPoint(latitude: 89.99, longitude: 0)),
            (id: 8, location: GeoPoint(latitude: -89.99, longitude: 0)),
        ])
        let hits = index.stores(within: 2_000, of: GeoPoint(latitude: 90, longitude: -120))
        #expect(hits.map(\.storeId) == [4, 5, 6, 7])
        #expect(hits[0].distanceMeters == 0 && hits[1].distanceMeters == 0)
        #expect(abs(hits[2].distanceMeters - 0.01 * .pi / 180 * GeoPoint.earthMeanRadiusMeters) < 1e-6)
        let near = index.stores(within: 1_300, of: GeoPoint(latitude: 89.995, longitude: 90))
        #expect(Set(near.map(\.storeId)) == [4, 5, 6, 7])
    }

    @Test func tiesAreBrokenBySmallerStoreId() {
        let spot = GeoPoint(latitude: 22.5431, longitude: 114.0579)
        let index = StoreIndex(stores: [(id: 42, location: spot), (id: 7, location: spot), (id: 19, location: spot)])
        #expect(index.stores(within: 10, of: spot).map(\.storeId) == [7, 19, 42])
        #expect(index.nearest(to: GeoPoint(latitude: 22.5432, longitude: 114.0579))?.storeId == 7)
    }

    @Test func invalidStoresAreRejectedWithTheirReason() {
        let index = StoreIndex(stores: [
            (id: 1, location: GeoPoint(latitude: 0, longitude: 0)),
            (id: 2, location: GeoPoint(latitude: 31, longitude: 121)),
            (id: 3, location: GeoPoint(latitude: .nan, longitude: 121)),
            (id: 4, location: GeoPoint(latitude: 121, longitude: 31)),
            (id: 5, location: GeoPoint(latitude: 31, longitude: 300)),
        ])
        #expect(index.count == 1)
        #expect(index.rejected.map(\.id) == [1, 3, 4, 5])
        #expect(index.rejected.map(\.reason) == [.nullIsland, .nonFinite, .latitudeOutOfRange, .longitudeOutOfRange])
    }

    @Test func invalidQueriesAndRadiiGiveNoHits() {
        let index = StoreIndex(stores: [(id: 1, location: GeoPoint(latitude: 31, longitude: 121))])
        let point = GeoPoint(latitude: 31, longitude: 121)
        #expect(index.stores(within: .nan, of: point).isEmpty)
        #expect(index.stores(within: -1, of: point).isEmpty)
        #expect(index.stores(within: 3_000, of: GeoPoint(latitude: .nan, longitude: 121)).isEmpty)
        #expect(index.stores(within: 3_000, of: GeoPoint(latitude: 0, longitude: 0)).isEmpty)
        #expect(index.nearest(to: GeoPoint(latitude: 95, longitude: 0)) == nil)
        #expect(index.stores(within: .infinity, of: GeoPoint(latitude: -31, longitude: -59)).count == 1)
        let empty = StoreIndex(stores: [])
        #expect(empty.stores(within: 3_000, of: point).isEmpty)
        #expect(empty.nearest(to: point) == nil)
    }

    @Test func resultsDoNotDependOnStoreInputOrder() {
        var stores = Self.awkwardStores(seed: 4)
        let first = StoreIndex(stores: stores)
        var random = GeoTestRandom(seed: 5)
        stores.shuffle(using: &random)
        let second = StoreIndex(stores: stores)
        for point in Self.queries(around: stores, seed: 6).prefix(300) {
            #expect(first.stores(within: 50_000, of: point) == second.stores(within: 50_000, of: point))
        }
    }
}
