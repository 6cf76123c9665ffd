import ReactivateCore
import ReactivatePipeline
import Testing

/// The targeting rules on hand-made members: no database, every exclusion reason visible.
@Suite struct TargetSelectionTests {
    static let asOfDay = PostgresEpoch.parseDate("2026-11-01") ?? 0
    static let shanghai = GeoPoint(latitude: 31.2304, longitude: 121.4737)

    /// A member 'metres' north of People's Square with everything else eligible unless changed.
    struct Member {
        var id: Int64
        var northMeters: Double = 500
        var segment = DormancySegment.dormant6To12Months
        var channel: MarketingChannel? = .wechatCard
        var pAlive = 0.5
        var monetaryCents: Int64 = 10_000
        var locationAgeDays: Int32? = 10
        var latitude: Double?
    }

    /// The members' scores (with what targeting reads of their histories) and the base they came from.
    static func inputs(_ members: [Member]) -> (scores: MemberScores, base: MemberScores.Base) {
        var scores = MemberScores()
        for member in members.sorted(by: { $0.id < $1.id }) {
            scores.memberId.append(member.id)
            scores.daysSinceLast.append(300)
            scores.frequency.append(3)
            scores.recencyDays.append(500)
            scores.tenureDays.append(800)
            scores.monetaryCents.append(member.monetaryCents)
            scores.pAlive.append(member.pAlive)
            scores.expectedPurchases.append(0.2)
            scores.valueScore.append(0.2 * Double(member.monetaryCents) / 100)
            scores.reachability.append(member.channel == nil ? 0 : 0.9)
            scores.bestChannel.append(member.channel.map { UInt8((MarketingChannel.allCases.firstIndex(of: $0) ?? 0) + 1) } ?? 0)
            scores.segmentCode.append(UInt8(DormancySegment.allCases.firstIndex(of: member.segment) ?? 0))
            scores.preSalesCents.append(1_000)
            scores.latitude.append(member.latitude ?? (shanghai.latitude + member.northMeters / 111_195.08))
            scores.longitude.append(shanghai.longitude)
            scores.locationDay.append(member.locationAgeDays.map { asOfDay - $0 } ?? MemberHistories.noDay)
        }
        return (scores, MemberScores.Base(members: members.count + 7, buyers: members.count + 3))
    }

    static let store = TargetSelection.Store(id: 1, location: shanghai)
    static let farStore = TargetSelection.Store(id: 2, location: GeoPoint(latitude: shanghai.latitude + 4_000 / 111_195.08, longitude: shanghai.longitude))

    static func select(
        _ members: [Member], config: PipelineConfig = .defaults(campaign: "test"), cooldown: Set<Int64> = [],
        stores: [TargetSelection.Store] = [store, farStore]
    ) throws -> TargetSelection.Outcome {
        let (scores, base) = inputs(members)
        return try TargetSelection(config: config, asOfDay: asOfDay)
            .select(scores: scores, base: base, stores: stores, cooldownMembers: cooldown)
    }

    @Test func onlyDormantReachableFreshMembersInRadiusAreTargeted() throws {
        let outcome = try Self.select([
            Member(id: 1),
            Member(id: 2, segment: .active),
            Member(id: 3, channel: nil),
            Member(id: 4, locationAgeDays: 91),
            Member(id: 5, locationAgeDays: nil),
            Member(id: 6, northMeters: 8_000),
            Member(id: 7, latitude: .nan),
            Member(id: 8, latitude: 91),
            Member(id: 9),
        ], cooldown: [9])
        #expect(outcome.targets.map(\.memberId) == [1])
        #expect(outcome.exclusions["unreachable"] == 1)
        #expect(outcome.exclusions["no_fresh_location"] == 2)
        #expect(outcome.exclusions["outside_radius"] == 1)
        #expect(outcome.exclusions["cooldown"] == 1)
        #expect(outcome.exclusions.keys.contains { $0.hasPrefix("invalid_location_") })
        let funnel = Dictionary(uniqueKeysWithValues: outcome.funnel)
        #expect(funnel["dormant"] == 8 && funnel["eligible"] == 1)
        // The funnel's first steps are the member base the scores name, not the scored members.
        #expect(funnel["members"] == 9 + 7 && funnel["buyers"] == 9 + 3)
    }

    @Test func aMemberExactlyOnTheRadiusIsInAndJustBeyondIsOut() throws {
        var config = PipelineConfig.defaults(campaign: "test")
        config.radiusMeters = 3_000
        // Find the latitude whose computed distance is exactly the radius, as the index measures it.
        var edge = GreatCircleProbe.pointNorth(of: Self.shanghai, meters: 3_000)
        while greatCircleDistanceMeters(from: Self.shanghai, to: GeoPoint(latitude: edge, longitude: Self.shanghai.longitude)) > 3_000 {
            edge = edge.nextDown
        }
        let beyond = GreatCircleProbe.pointNorth(of: Self.shanghai, meters: 3_000.5)
        let outcome = try Self.select(
            [Member(id: 1, latitude: edge), Member(id: 2, latitude: beyond)], config: config, stores: [Self.store])
        #expect(outcome.targets.map(\.memberId) == [1])
        #expect(outcome.exclusions["outside_radius"] == 1)
    }

    @Test func quotaOverflowGoesToTheNextNearestStoreInRadiusByScore() throws {
        var config = PipelineConfig.defaults(campaign: "test")
        config.maxPerStore = 2
        // All at 1.8 km north: 1.8 km from store 1, 2.2 km from store 2.
        let members = (1...5).map { Member(id: Int64($0), northMeters: 1_800, monetaryCents: Int64(10_000 + $0)) }
        let outcome = try Self.select(members, config: config)
        let counts = Dictionary(grouping: outcome.targets, by: \.storeId).mapValues(\.count)
        #expect(counts[1] == 2 && counts[2] == 2)
        #expect(outcome.exclusions["store_quota_exhausted"] == 1)
        // The highest-value members get the nearest store.
        #expect(Set(outcome.targets.filter { $0.storeId == 1 }.map(\.memberId)) == [5, 4])
    }

    @Test func budgetCutsBothArmsAtTheSameScore() throws {
        var config = PipelineConfig.defaults(campaign: "test")
        config.maxCoupons = 50
        let members = (1...400).map { Member(id: Int64($0), monetaryCents: Int64(5_000 + $0)) }
        let outcome = try Self.select(members, config: config)
        let treated = outcome.targets.filter { $0.arm == .treatment }
        #expect(treated.count == 50)
        let lowestTreated = treated.map(\.score).min() ?? 0
        let lowestControl = outcome.targets.filter { $0.arm == .control }.map(\.score).min() ?? 0
        #expect(lowestControl >= lowestTreated - 0.02)
    }

    @Test func targetsComeOutInMemberOrderWithTheirOwnScoresWhateverOrderTheSlicesCameIn() throws {
        var config = PipelineConfig.defaults(campaign: "test")
        config.maxCoupons = 40
        // Scores out of member order, with ties, so the budget's order and member order differ.
        let members = (1...300).map { Member(id: Int64($0), monetaryCents: Int64(5_000 + ($0 * 37) % 100)) }
        let outcome = try Self.select(members, config: config)
        #expect(outcome.targets.map(\.memberId) == outcome.targets.map(\.memberId).sorted())
        let monetary = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.monetaryCents) })
        for target in outcome.targets {
            #expect(target.score == 0.5 * Double(monetary[target.memberId] ?? 0) / 100)
            #expect(target.monetaryCents == monetary[target.memberId])
        }
        // Treated members admitted are the best by score, ties to the smaller member id.
        let treated = outcome.targets.filter { $0.arm == .treatment }
        #expect(treated.count == 40)
        let cut = try #require(treated.map(\.score).min())
        let treatedIds = Set(treated.map(\.memberId))
        let selection = try TargetSelection(config: config, asOfDay: Self.asOfDay)
        let arms = selection.holdout.forCampaign(config.campaign)
        for member in members where arms.arm(memberId: member.id) == .treatment {
            let score = 0.5 * Double(member.monetaryCents) / 100
            if score > cut { #expect(treatedIds.contains(member.id), "member \(member.id) above the cut") }
        }
        // The same members screened in two slices, the later ids first: the same targets.
        var screening = TargetSelection.Screening(selection, stores: [Self.store, Self.farStore], cooldownMembers: [])
        for slice in [members.filter { $0.id > 150 }, members.filter { $0.id <= 150 }] {
            let (scores, base) = Self.inputs(slice)
            screening.count(base)
            screening.add(scores: scores)
        }
        #expect(screening.finish().targets == outcome.targets)
    }

    @Test func armsAreStableAcrossRerunsAndNearTheHoldoutFraction() throws {
        let members = (1...4_000).map { Member(id: Int64($0)) }
        let first = try Self.select(members)
        let second = try Self.select(members.reversed())
        #expect(first.targets == second.targets)
        let control = Double(first.targets.filter { $0.arm == .control }.count) / Double(first.targets.count)
        #expect(abs(control - 0.10) < 4 * (0.1 * 0.9 / 4_000).squareRoot())
    }
}

/// Points at an exact great-circle distance due north (latitude only): distance = R · Δφ.
enum GreatCircleProbe {
    static func pointNorth(of origin: GeoPoint, meters: Double) -> Double {
        origin.latitude + meters / GeoPoint.earthMeanRadiusMeters * 180 / .pi
    }
}
