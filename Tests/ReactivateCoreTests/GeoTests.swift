import Foundation
import ReactivateCore
import Testing

@Suite struct GeoTests {
    static let radius = 6_371_008.8

    /// Reference central angle from 3-D vectors, atan2(|a×b|, a·b): a different formula from the
    /// haversine under test, accurate at every distance.
    static func referenceMeters(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        func vector(_ p: GeoPoint) -> (Double, Double, Double) {
            let lat = p.latitude * .pi / 180
            let lon = p.longitude * .pi / 180
            return (cos(lat) * cos(lon), cos(lat) * sin(lon), sin(lat))
        }
        let (ax, ay, az) = vector(a)
        let (bx, by, bz) = vector(b)
        let cx = ay * bz - az * by
        let cy = az * bx - ax * bz
        let cz = ax * by - ay * bx
        let cross = (cx * cx + cy * cy + cz * cz).squareRoot()
        let dot = ax * bx + ay * by + az * bz
        return atan2(cross, dot) * radius
    }

    static let validityCases: [(GeoPoint, GeoPoint.InvalidReason?)] = [
        (GeoPoint(latitude: 31.2304, longitude: 121.4737), nil),
        (GeoPoint(latitude: 90, longitude: 180), nil),
        (GeoPoint(latitude: -90, longitude: -180), nil),
        (GeoPoint(latitude: 0, longitude: 0.0001), nil),
        (GeoPoint(latitude: .nan, longitude: 10), .nonFinite),
        (GeoPoint(latitude: 10, longitude: .infinity), .nonFinite),
        (GeoPoint(latitude: 200, longitude: .nan), .nonFinite),
        (GeoPoint(latitude: 90.000001, longitude: 0), .latitudeOutOfRange),
        (GeoPoint(latitude: -91, longitude: 500), .latitudeOutOfRange),
        (GeoPoint(latitude: 45, longitude: 180.5), .longitudeOutOfRange),
        (GeoPoint(latitude: 45, longitude: -360), .longitudeOutOfRange),
        (GeoPoint(latitude: 0, longitude: 0), .nullIsland),
        (GeoPoint(latitude: -0.0, longitude: 0), .nullIsland),
    ]

    @Test(arguments: validityCases)
    func validationClassifiesEachCoordinateWithOneReason(point: GeoPoint, expected: GeoPoint.InvalidReason?) {
        #expect(point.invalidReason == expected)
        #expect(point.isValid == (expected == nil))
        #expect(point.validity == (expected.map { .invalid($0) } ?? .valid))
    }

    @Test func invalidReasonNamesAreStableSnakeCase() {
        #expect(
            GeoPoint.InvalidReason.allCases.map(\.name)
                == ["non_finite", "latitude_out_of_range", "longitude_out_of_range", "null_island"])
    }

    @Test func oneDegreeOfLatitudeIsRTimesPiOver180() {
        let d = greatCircleDistanceMeters(
            from: GeoPoint(latitude: 10, longitude: 20), to: GeoPoint(latitude: 11, longitude: 20))
        #expect(abs(d - Self.radius * .pi / 180) < 1e-6)
        #expect(abs(d - 111_195.08) < 0.01)
    }

    @Test func quarterMeridianFromEquatorToPoleIsRTimesPiOverTwo() {
        for longitude in [-180.0, -77.5, 0.5, 121.47, 180] {
            let d = greatCircleDistanceMeters(
                from: GeoPoint(latitude: 0, longitude: longitude), to: GeoPoint(latitude: 90, longitude: 33))
            #expect(abs(d - Self.radius * .pi / 2) < 1e-6)
        }
    }

    @Test func allLongitudesAtAPoleAreTheSamePoint() {
        for longitude in stride(from: -180.0, through: 180, by: 22.5) {
            #expect(
                greatCircleDistanceMeters(
                    from: GeoPoint(latitude: 90, longitude: 0), to: GeoPoint(latitude: 90, longitude: longitude))
                    == 0)
            #expect(
                greatCircleDistanceMeters(
                    from: GeoPoint(latitude: -90, longitude: 17), to: GeoPoint(latitude: -90, longitude: longitude))
                    == 0)
        }
    }

    @Test func distanceAcrossTheAntimeridianIsShort() {
        let east = GeoPoint(latitude: 10, longitude: 179.99)
        let west = GeoPoint(latitude: 10, longitude: -179.99)
        let d = greatCircleDistanceMeters(from: east, to: west)
        let reference = Self.referenceMeters(east, west)
        #expect(abs(d - reference) < 1e-6)
        #expect(d > 2180 && d < 2200)  // 0.02° of longitude at 10°N ≈ 2,190 m
        #expect(
            greatCircleDistanceMeters(
                from: GeoPoint(latitude: 0, longitude: 180), to: GeoPoint(latitude: 0, longitude: -180)) == 0)
    }

    @Test func antipodalPointsAreHalfACircumferenceApartWithoutNaN() {
        let pairs: [(GeoPoint, GeoPoint)] = [
            (GeoPoint(latitude: 0, longitude: 10), GeoPoint(latitude: 0, longitude: -170)),
            (GeoPoint(latitude: 31.2304, longitude: 121.4737), GeoPoint(latitude: -31.2304, longitude: -58.5263)),
            (GeoPoint(latitude: 90, longitude: 0), GeoPoint(latitude: -90, longitude: 0)),
        ]
        for (a, b) in pairs {
            let d = greatCircleDistanceMeters(from: a, to: b)
            #expect(!d.isNaN)
            #expect(abs(d - Self.radius * .pi) < 0.5)
        }
    }

    @Test func tinyDistancesKeepFullRelativePrecision() {
        let a = GeoPoint(latitude: 31.2304, longitude: 121.4737)
        for step in [1e-9, 1e-7, 1e-5] {
            let north = GeoPoint(latitude: a.latitude + step, longitude: a.longitude)
            let d = greatCircleDistanceMeters(from: a, to: north)
            let expected = (north.latitude - a.latitude) * .pi / 180 * Self.radius
            #expect(abs(d - expected) <= expected * 1e-9)
        }
        #expect(greatCircleDistanceMeters(from: a, to: a) == 0)
    }

    @Test func distanceMatchesAnIndependentVectorFormulaOnRandomPairs() {
        var random = GeoTestRandom(seed: 11)
        for _ in 0..<20_000 {
            let a = random.point()
            let b = random.nextBool() ? random.point(near: a, withinDegrees: 0.1) : random.point()
            let d = greatCircleDistanceMeters(from: a, to: b)
            let reference = Self.referenceMeters(a, b)
            // Haversine loses √ε near antipodes; everywhere else agreement is at the micrometre level.
            let tolerance = reference > 19_000_000 ? 0.5 : 1e-6 + reference * 1e-12
            #expect(abs(d - reference) <= tolerance, "\(a) \(b)")
        }
    }

    @Test func distanceIsSymmetricBitForBit() {
        var random = GeoTestRandom(seed: 12)
        for _ in 0..<20_000 {
            let a = random.point()
            let b = random.nextBool() ? random.point(near: a, withinDegrees: 0.05) : random.point()
            #expect(greatCircleDistanceMeters(from: a, to: b) == greatCircleDistanceMeters(from: b, to: a))
            #expect(a.distanceMeters(to: b) == greatCircleDistanceMeters(from: a, to: b))
        }
    }

    @Test func nonFiniteInputGivesNaNNotACrash() {
        let d = greatCircleDistanceMeters(
            from: GeoPoint(latitude: .nan, longitude: 0), to: GeoPoint(latitude: 1, longitude: 1))
        #expect(d.isNaN)
    }
}
