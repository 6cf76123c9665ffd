import ReactivateCore
import Testing
import ReactivateSimulation

@Suite struct SimulationStoreTests {
    let asOf = SimulationFixture.asOfDay

    private func network(stores: Int, seed: UInt64 = 1) throws -> [StoreRow] {
        try SyntheticRetail(config: SimulationConfig(members: 0, stores: stores, seed: seed, asOfDay: asOf)).stores
    }

    @Test func storesAreNumberedOneToSWithUniqueNames() throws {
        let stores = try network(stores: 300)
        #expect(stores.map(\.storeId) == Array(1...300))
        #expect(Set(stores.map(\.name)).count == 300)
        #expect(stores.contains { $0.name.hasPrefix("Lotus Shanghai #") })
        #expect(stores.contains { $0.name.hasPrefix("上海 #") })
    }

    @Test func storesClusterAroundCityCentresWithBigCitiesHoldingMore() throws {
        let stores = try network(stores: 500)
        var perCity = [Int](repeating: 0, count: SimulatedCity.all.count)
        for store in stores {
            let nearest = SimulatedCity.all.indices.min { a, b in
                squaredDegrees(store, SimulatedCity.all[a]) < squaredDegrees(store, SimulatedCity.all[b])
            }
            guard let city = nearest else { continue }
            perCity[city] += 1
            #expect(squaredDegrees(store, SimulatedCity.all[city]).squareRoot() < 0.35)  // within ~30 km
        }
        #expect(perCity[0] > perCity[SimulatedCity.all.count - 1] * 2)  // Shanghai vs Suzhou
        #expect(perCity.allSatisfy { $0 > 0 })
    }

    @Test func aboutFivePercentClosedBeforeTheAsOfDateAndTwoOpenAfterIt() throws {
        let stores = try network(stores: 400)
        let closed = stores.filter { $0.closedOn != nil }
        let share = Double(closed.count) / Double(stores.count)
        #expect(share > 0.02 && share < 0.09, "closed share \(share)")
        #expect(closed.allSatisfy { store in (store.closedOn ?? .max) < asOf && (store.openedOn ?? .min) < (store.closedOn ?? .max) })
        let future = stores.filter { ($0.openedOn ?? .min) > asOf }
        #expect(future.count == 2)
        #expect(stores.allSatisfy { ($0.openedOn ?? .min) >= asOf - 2_922 - 731 || $0.openedOn == nil })
        let openNow = stores.count(where: { $0.isOpen(on: asOf) })
        #expect(openNow == stores.count - closed.count - future.count)
    }

    @Test func everyCityKeepsAFlagshipOpenThroughoutTheHistory() throws {
        let stores = try network(stores: 40)
        for flagship in stores.prefix(SimulatedCity.all.count) {
            #expect(flagship.closedOn == nil)
            #expect((flagship.openedOn ?? .min) < asOf - 2_922)
        }
    }

    @Test func aSingleStoreChainStillWorks() throws {
        let retail = try SyntheticRetail(config: SimulationConfig(members: 50, stores: 1, seed: 5, asOfDay: asOf))
        var batch = MemberBatch()
        retail.members(1...50, into: &batch)
        #expect(retail.stores.count == 1)
        #expect(batch.transactions.allSatisfy { $0.storeId == 1 })
        #expect(batch.locations.allSatisfy { $0.latitude.isFinite && $0.longitude.isFinite })
    }

    @Test func invalidConfigurationsAreRejectedNamingTheSetting() {
        var purchases = SimulationConfig.Purchases()
        purchases.alpha = -1
        let cases: [(SimulationConfig, String)] = [
            (SimulationConfig(members: 10, stores: 0, seed: 1, asOfDay: asOf), "stores"),
            (SimulationConfig(members: -1, stores: 5, seed: 1, asOfDay: asOf), "members"),
            (SimulationConfig(members: 10, stores: 5, seed: 1, asOfDay: asOf, purchases: purchases), "purchases.alpha"),
        ]
        for (config, field) in cases {
            #expect(throws: SimulationConfigError.self) { try SyntheticRetail(config: config) }
            do {
                try config.validate()
            } catch {
                #expect(error.field == field)
                #expect(error.description.contains(field))
            }
        }
    }

    private func squaredDegrees(_ store: StoreRow, _ city: SimulatedCity) -> Double {
        let dLat = store.latitude - city.latitude
        let dLon = store.longitude - city.longitude
        return dLat * dLat + dLon * dLon
    }
}
