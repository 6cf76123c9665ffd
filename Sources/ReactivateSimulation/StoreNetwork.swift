import Foundation
import ReactivateCore

/// The chain's store network, laid out once per configuration from its own random stream.
///
/// - The first min(S, 12) stores are city flagships (one per city, biggest city first): near the centre
///   (σ 2 km), opened before the store history window (a fifth with `opened_on` NULL), never closed — so
///   every member always has an open store in their city.
/// - The others go to cities by weight, σ 6 km around the centre (capped at 25 km), opened uniformly over
///   the 8 years before D (at least 30 days before); 5.5 % of them closed before D (never earlier than
///   180 days after opening); with S ≥ 20 one, with S ≥ 50 two stores open only after D.
/// - Names: "Lotus Shanghai #12" or, for about a third, "上海 #12" (numbered per city, so unique).
struct StoreNetwork {
    var rows: [StoreRow] = []
    var city: [Int] = []
    var openFrom: [Int32] = []
    var openUntil: [Int32] = []
    var cityStores: [[Int]] = []

    init(config: SimulationConfig) {
        let cities = SimulatedCity.all
        let count = config.stores
        let asOf = config.asOfDay
        let history = config.population.storeHistoryDays
        let flagships = min(count, cities.count)
        let futureStores = count >= 50 ? 2 : (count >= 20 ? 1 : 0)
        var cumulative: [Double] = []
        var total = 0.0
        for city in cities {
            total += city.weight
            cumulative.append(total)
        }
        var rng = SeededGenerator(seed: config.seed, stream: 0, substream: SyntheticRetail.Stream.stores.rawValue)
        var ordinals = [Int](repeating: 0, count: cities.count)
        cityStores = [[Int]](repeating: [], count: flagships)
        rows.reserveCapacity(count)

        for index in 0..<count {
            let cityIndex: Int
            if index < flagships {
                cityIndex = index
            } else {
                let draw = rng.nextUnitInterval() * total
                cityIndex = min(cumulative.firstIndex { draw < $0 } ?? 0, flagships - 1)
            }
            let centre = cities[cityIndex]
            ordinals[cityIndex] += 1
            let isFlagship = index < flagships
            let isFuture = index >= count - futureStores && !isFlagship

            var latitude = centre.latitude
            var longitude = centre.longitude
            let sigmaKm = isFlagship ? 2.0 : 6.0
            for _ in 0..<8 {
                let north = sigmaKm * rng.nextStandardNormal()
                let east = sigmaKm * rng.nextStandardNormal()
                if north * north + east * east <= 25 * 25 {
                    latitude = centre.latitude + north / 111.32
                    longitude = centre.longitude + east / (111.32 * cos(centre.latitude * Double.pi / 180))
                    break
                }
            }

            var openedOn: Int32?
            var closedOn: Int32?
            if isFlagship {
                let opened = asOf - Int32(history) - Int32(rng.nextUnitInterval() * 730) - 1
                openedOn = rng.nextBernoulli(0.2) ? nil : opened
            } else if isFuture {
                openedOn = asOf + 1 + Int32(rng.nextUnitInterval() * 120)
            } else {
                let opened = asOf - 30 - Int32(rng.nextUnitInterval() * (history - 30))
                openedOn = opened
                let closes = rng.nextBernoulli(config.population.closedStoreProbability)
                let earliest = max(opened + 180, asOf - Int32(config.population.joinWindowDays))
                let latest = asOf - 1
                let closeDraw = rng.nextUnitInterval()
                if closes && earliest <= latest {
                    closedOn = earliest + Int32(closeDraw * Double(latest - earliest + 1))
                }
            }

            let chinese = rng.nextBernoulli(0.35)
            let name = chinese ? "\(centre.chineseName) #\(ordinals[cityIndex])" : "Lotus \(centre.name) #\(ordinals[cityIndex])"
            rows.append(
                StoreRow(
                    storeId: Int64(index + 1), name: name, latitude: latitude, longitude: longitude,
                    openedOn: openedOn, closedOn: closedOn))
            city.append(cityIndex)
            openFrom.append(openedOn ?? Int32.min)
            openUntil.append(closedOn ?? Int32.max)
            cityStores[cityIndex].append(index)
        }
    }
}
