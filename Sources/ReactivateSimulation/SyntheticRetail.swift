import Foundation
import ReactivateCore

/// The synthetic retailer: stores, and members whose rows follow the BG/NBD story with known truth.
///
/// Everything is a pure function of the configuration: `stores` depends on (seed, stores, as-of), and a
/// member's rows depend only on (configuration, member id), never on which other members were generated or
/// in what order — so workers can generate disjoint id ranges in parallel and a loader can stream chunks
/// through one reusable ``MemberBatch``. Nothing at or after the cut-off (D 00:00 Shanghai) is produced,
/// except the deliberate opt-outs dated after D and the stores that open after D.
///
/// Time inside the generator is a "shopping-day" coordinate: a `Double` whose integer part is the Shanghai
/// day and whose fraction spreads uniformly over 08:00–22:00 local time. A Poisson process on that axis has
/// the same rate per calendar day but only ever lands in shopping hours.
public struct SyntheticRetail: Sendable {
    /// The configuration the rows come from.
    public let config: SimulationConfig
    /// All stores, ids 1…S in order.
    public let stores: [StoreRow]
    /// The as-of cut-off instant, D 00:00 in Shanghai, in µs since 2000-01-01 UTC.
    public let cutoffInstant: Int64

    /// City index of each store (by store index = id − 1).
    let storeCity: [Int]
    /// First Shanghai day each store is open (Int32.min when `opened_on` is NULL).
    let openFrom: [Int32]
    /// First Shanghai day each store is closed again (Int32.max while it never closes).
    let openUntil: [Int32]
    /// Store indices per city; the city's flagship, open throughout, comes first.
    let cityStores: [[Int]]

    /// Most rows one member may have: the transaction id keeps 12 bits for the member's sequence number.
    /// Generation stops once a member reaches it (never happens with the default parameters: the busiest of
    /// 1M members has a few hundred transactions).
    public static let maxTransactionsPerMember = 4096

    /// Validates the configuration and lays out the store network.
    public init(config: SimulationConfig) throws(SimulationConfigError) {
        try config.validate()
        self.config = config
        self.cutoffInstant = SimulationTime.startOfDay(config.asOfDay)
        let network = StoreNetwork(config: config)
        self.stores = network.rows
        self.storeCity = network.city
        self.openFrom = network.openFrom
        self.openUntil = network.openUntil
        self.cityStores = network.cityStores
    }

    /// The member ids of this configuration: 1…members (empty when there are none).
    public var memberIds: ClosedRange<Int64>? {
        config.members > 0 ? 1...Int64(config.members) : nil
    }

    /// Appends the rows of every member in `ids` to `batch`, in id order.
    public func members(_ ids: ClosedRange<Int64>, into batch: inout MemberBatch) {
        for id in ids { member(id, into: &batch) }
    }

    /// Appends one member's rows (member, locations, channels, transactions, truth) to `batch`.
    ///
    /// Deterministic per member: the rows depend only on (configuration, `memberId`). Ids beyond
    /// `config.members` may be generated too (same model); `memberId` must be in 1…``SimulationConfig/maxMemberId``.
    public func member(_ memberId: Int64, into batch: inout MemberBatch) {
        precondition(memberId >= 1 && memberId <= SimulationConfig.maxMemberId, "member id out of range")
        let key = UInt64(bitPattern: memberId)
        let asOf = Double(config.asOfDay)
        let purchases = config.purchases
        let population = config.population

        // Latent traits: one stream, fixed draw order (rate, dropout, spend first, so tweaking a share
        // elsewhere never changes a member's BG/NBD parameters).
        var latent = SeededGenerator(seed: config.seed, stream: key, substream: Stream.latent.rawValue)
        let lambda = latent.nextGamma(shape: purchases.r, scale: 1 / purchases.alpha)
        let dropoutP = latent.nextBeta(alpha: purchases.a, beta: purchases.b)
        let memberMeanSpend =
            config.spend.medianMemberMeanSpendCents * exp(config.spend.memberSpreadSigma * latent.nextStandardNormal())
        let spendSigma = config.spend.withinMemberSigma
        let spendMu = log(memberMeanSpend) - spendSigma * spendSigma / 2
        let activated = latent.nextBernoulli(purchases.activationProbability)
        let firstPurchaseDelay =
            latent.nextBernoulli(purchases.immediateFirstPurchaseProbability)
            ? latent.nextUnitInterval() * 0.02  // within ~17 minutes: joined at the till
            : latent.nextExponential(mean: purchases.meanFirstPurchaseDelayDays)
        let joinT = min(
            asOf - population.joinWindowDays + joinQuantile(latent.nextUnitInterval()) * population.joinWindowDays,
            asOf - 1e-6)
        let joinedAt = instant(shoppingTime: joinT)
        let primary = randomStoreOpen(on: Int32(joinT.rounded(.down)), using: &latent)
        let homeStoreIsNull = latent.nextBernoulli(population.nullHomeStoreProbability)
        let consent = latent.nextBernoulli(population.consentProbability)
        let optOutDraw = latent.nextUnitInterval()
        let optOutAfterDraw = latent.nextUnitInterval()
        let optOutTimeDraw = latent.nextUnitInterval()
        var optedOutAt: Int64?
        if consent && optOutDraw < population.optOutProbabilityWithConsent {
            optedOutAt =
                optOutAfterDraw < population.optOutAfterAsOfShare
                ? cutoffInstant + Int64(optOutTimeDraw * Double(60 * SimulationTime.microsPerDay))
                : uniformInstant(from: joinedAt, to: cutoffInstant, draw: optOutTimeDraw)
        } else if !consent && optOutDraw < population.optOutProbabilityWithoutConsent {
            optedOutAt = uniformInstant(from: joinedAt, to: cutoffInstant, draw: optOutTimeDraw)
        }

        // Purchases: the BG/NBD process, on its own stream.
        var rng = SeededGenerator(seed: config.seed, stream: key, substream: Stream.purchases.rawValue)
        let firstRow = batch.transactions.count
        var purchaseCount: Int32 = 0
        var firstPurchaseAt: Int64?
        var lastPurchaseAt: Int64?
        var dropoutAt: Int64?
        let spend = SpendDraw(mu: spendMu, sigma: spendSigma)
        if activated {
            var t = joinT + firstPurchaseDelay
            if t < asOf {
                var occurredAt = appendPurchase(memberId, primary, t, asOf, spend, &rng, &batch.transactions)
                firstPurchaseAt = occurredAt
                lastPurchaseAt = occurredAt
                purchaseCount = 1
                while batch.transactions.count - firstRow + 2 <= Self.maxTransactionsPerMember {
                    t += rng.nextExponential(mean: 1 / lambda)
                    guard t < asOf else { break }
                    occurredAt = appendPurchase(memberId, primary, t, asOf, spend, &rng, &batch.transactions)
                    lastPurchaseAt = occurredAt
                    purchaseCount += 1
                    if rng.nextBernoulli(dropoutP) {
                        dropoutAt = occurredAt
                        break
                    }
                }
            }
        }
        batch.transactions[firstRow...].sort { $0.occurredAt < $1.occurredAt }
        for index in firstRow..<batch.transactions.count {
            batch.transactions[index].txnId = memberId << 12 | Int64(index - firstRow)
        }

        let movedAway = appendLocations(
            memberId, primary: primary, joinedAt: joinedAt, dropoutAt: dropoutAt, into: &batch.locations)
        appendChannels(memberId, joinedAt: joinedAt, into: &batch.channels)

        batch.members.append(
            MemberRow(
                memberId: memberId, joinedAt: joinedAt, homeStoreId: homeStoreIsNull ? nil : Int64(primary + 1),
                marketingConsent: consent, optedOutAt: optedOutAt))
        batch.truths.append(
            MemberTruthRow(
                memberId: memberId, purchaseRatePerDay: lambda, dropoutP: dropoutP, activated: activated,
                aliveAtAsOf: activated && dropoutAt == nil, dropoutAt: dropoutAt, firstPurchaseAt: firstPurchaseAt,
                lastPurchaseAt: lastPurchaseAt, purchaseCount: purchaseCount,
                meanSpendCents: Int64(memberMeanSpend.rounded()), spendLogMu: spendMu, spendLogSigma: spendSigma,
                primaryStoreId: Int64(primary + 1), movedAway: movedAway))
    }
}

// MARK: - Purchases and stores

extension SyntheticRetail {
    /// Independent random streams per member, so each aspect can change without reshuffling the others.
    enum Stream: UInt64 {
        case stores = 1, latent, purchases, locations, channels, waveOrganic, waveTreatment
    }

    /// A member's log-normal purchase amount.
    struct SpendDraw {
        let mu: Double
        let sigma: Double

        func cents(using rng: inout SeededGenerator) -> Int64 {
            max(1, Int64(rng.nextLogNormal(mu: mu, sigma: sigma).rounded()))
        }
    }

    /// Appends a purchase at shopping time `t` (and maybe its later refund); returns the purchase instant.
    func appendPurchase(
        _ memberId: Int64, _ primary: Int, _ t: Double, _ horizon: Double, _ spend: SpendDraw,
        _ rng: inout SeededGenerator, _ rows: inout [TransactionRow]
    ) -> Int64 {
        let day = Int32(t.rounded(.down))
        let store = purchaseStore(primary: primary, day: day, using: &rng)
        let amount = spend.cents(using: &rng)
        let occurredAt = instant(shoppingTime: t)
        rows.append(
            TransactionRow(
                txnId: 0, memberId: memberId, storeId: Int64(store + 1), occurredAt: occurredAt, amountCents: amount,
                couponCode: nil))
        if rng.nextBernoulli(config.spend.refundProbability) {
            let refundT = t + 1 + rng.nextUnitInterval() * (config.spend.maxRefundDelayDays - 1)
            let partial = rng.nextBernoulli(config.spend.partialRefundShare)
            let share = 0.2 + 0.7 * rng.nextUnitInterval()
            if refundT < horizon && isOpen(store, on: Int32(refundT.rounded(.down))) {
                let refund = partial ? max(1, Int64((Double(amount) * share).rounded())) : amount
                rows.append(
                    TransactionRow(
                        txnId: 0, memberId: memberId, storeId: Int64(store + 1),
                        occurredAt: instant(shoppingTime: refundT), amountCents: -refund, couponCode: nil))
            }
        }
        return occurredAt
    }

    /// The store of a purchase on `day`: mostly the member's own, else another store of the city open that day.
    func purchaseStore(primary: Int, day: Int32, using rng: inout SeededGenerator) -> Int {
        if rng.nextBernoulli(config.purchases.homeStoreShare) && isOpen(primary, on: day) { return primary }
        let candidates = cityStores[storeCity[primary]]
        for _ in 0..<8 {
            let store = candidates[rng.nextIndex(below: candidates.count)]
            if isOpen(store, on: day) { return store }
        }
        return candidates[0]  // the flagship, open on every day a member can shop
    }

    /// A store open on `day`, uniformly over stores (so big cities, having more stores, get more members).
    func randomStoreOpen(on day: Int32, using rng: inout SeededGenerator) -> Int {
        var store = 0
        for _ in 0..<16 {
            store = rng.nextIndex(below: stores.count)
            if isOpen(store, on: day) { return store }
        }
        return cityStores[storeCity[store]][0]
    }

    @inline(__always)
    func isOpen(_ store: Int, on day: Int32) -> Bool {
        openFrom[store] <= day && day < openUntil[store]
    }

    /// Inverse CDF of the join-time density ∝ 1 + boost·u on u ∈ [0, 1) (u = 1 is the as-of date).
    func joinQuantile(_ f: Double) -> Double {
        let k = config.population.recentJoinBoost
        guard k > 1e-9 else { return f }
        return ((1 + 2 * k * f * (1 + k / 2)).squareRoot() - 1) / k
    }

    /// The instant of shopping time `t`: Shanghai day ⌊t⌋ at 08:00 + (t − ⌊t⌋)·14 h.
    @inline(__always)
    func instant(shoppingTime t: Double) -> Int64 {
        let day = t.rounded(.down)
        let fraction = t - day
        return SimulationTime.startOfDay(Int32(day)) + Self.shoppingOpensMicros
            + Int64(fraction * Double(Self.shoppingSpanMicros))
    }

    /// The first shopping time at or after `instant` (outside 08:00–22:00 that is the next opening).
    func shoppingTime(atOrAfter instant: Int64) -> Double {
        let day = SimulationTime.shanghaiDay(of: instant)
        let timeOfDay = SimulationTime.shanghaiTimeOfDay(of: instant) - Self.shoppingOpensMicros
        if timeOfDay <= 0 { return Double(day) }
        if timeOfDay >= Self.shoppingSpanMicros { return Double(day) + 1 }
        return Double(day) + Double(timeOfDay) / Double(Self.shoppingSpanMicros)
    }

    /// A uniform instant in [from, to) (just `from` when the range is empty).
    func uniformInstant(from: Int64, to: Int64, draw: Double) -> Int64 {
        guard to > from else { return from }
        return min(to - 1, from + Int64(draw * Double(to - from)))
    }

    static let shoppingOpensMicros: Int64 = 8 * SimulationTime.microsPerHour
    static let shoppingSpanMicros: Int64 = 14 * SimulationTime.microsPerHour
}

// MARK: - Locations and channels

extension SyntheticRetail {
    /// Appends 0–5 location observations; returns whether the member moved to another city.
    ///
    /// Most observations lie within a few km of the member's store (LBS σ 1.5 km, address σ 2.5 km,
    /// check-ins at a store of the city); 7.6 % are trips to another city; 0.4 % are (0, 0) placeholders.
    /// Times are D minus an exponential with mean 100 days, so about 40 % are stale (> 90 days). A member who
    /// moved (25 % of those who dropped out, 3 % of the others) has their latest observation in another city,
    /// dated after the dropout — the geographic side of going dormant.
    func appendLocations(
        _ memberId: Int64, primary: Int, joinedAt: Int64, dropoutAt: Int64?, into rows: inout [MemberLocationRow]
    ) -> Bool {
        var rng = SeededGenerator(seed: config.seed, stream: UInt64(bitPattern: memberId), substream: Stream.locations.rawValue)
        let moved = rng.nextBernoulli(dropoutAt == nil ? 0.03 : 0.25)
        let countDraw = rng.nextUnitInterval()
        var count = Self.locationCountCDF.firstIndex { countDraw < $0 } ?? (Self.locationCountCDF.count - 1)
        if moved { count = max(count, 1) }
        let firstRow = rows.count
        let home = stores[primary]
        let city = storeCity[primary]
        for _ in 0..<count {
            var observedAt = cutoffInstant - 1 - Int64(rng.nextExponential(mean: 100 * Double(SimulationTime.microsPerDay)))
            if observedAt < joinedAt {
                observedAt = uniformInstant(from: joinedAt, to: cutoffInstant, draw: rng.nextUnitInterval())
            }
            let kind = rng.nextUnitInterval()
            let sourceDraw = rng.nextUnitInterval()
            var row = MemberLocationRow(memberId: memberId, latitude: 0, longitude: 0, observedAt: observedAt, source: .lbs)
            if kind < 0.004 {
                row.source = sourceDraw < 0.5 ? .lbs : .address  // the (0, 0) placeholder
            } else if kind < 0.08 {
                (row.latitude, row.longitude) = elsewhere(than: city, using: &rng)
            } else if sourceDraw < 0.5 {
                (row.latitude, row.longitude) = scatter(home.latitude, home.longitude, sigmaKm: 1.5, using: &rng)
            } else if sourceDraw < 0.8 {
                row.source = .address
                (row.latitude, row.longitude) = scatter(home.latitude, home.longitude, sigmaKm: 2.5, using: &rng)
            } else {
                row.source = .checkin
                let candidates = cityStores[city]
                let store = rng.nextBernoulli(0.7) ? home : stores[candidates[rng.nextIndex(below: candidates.count)]]
                (row.latitude, row.longitude) = scatter(store.latitude, store.longitude, sigmaKm: 0.03, using: &rng)
            }
            rows.append(row)
        }
        rows[firstRow...].sort { $0.observedAt < $1.observedAt }
        if moved, let last = rows.indices.last, last >= firstRow {
            let after = dropoutAt ?? joinedAt
            let movedAt = uniformInstant(from: after, to: cutoffInstant, draw: rng.nextUnitInterval())
            rows[last].observedAt = max(rows[last].observedAt, movedAt)
            rows[last].source = rng.nextBernoulli(0.6) ? .lbs : .address
            (rows[last].latitude, rows[last].longitude) = elsewhere(than: city, using: &rng)
        }
        return moved
    }

    /// Cumulative probabilities of 0…5 location observations.
    static let locationCountCDF: [Double] = [0.08, 0.38, 0.65, 0.82, 0.92, 1.0]

    /// A point in another city (σ 5 km around its centre); with one city only, 30–60 km away from it.
    func elsewhere(than city: Int, using rng: inout SeededGenerator) -> (Double, Double) {
        let cities = SimulatedCity.all
        let cityCount = min(cityStores.count, cities.count)
        if cityCount > 1 {
            let other = (city + 1 + rng.nextIndex(below: cityCount - 1)) % cityCount
            return scatter(cities[other].latitude, cities[other].longitude, sigmaKm: 5, using: &rng)
        }
        let angle = 2 * Double.pi * rng.nextUnitInterval()
        let distanceKm = 30 + 30 * rng.nextUnitInterval()
        let centre = cities[city]
        return offset(centre.latitude, centre.longitude, northKm: distanceKm * cos(angle), eastKm: distanceKm * sin(angle))
    }

    /// A point scattered around (lat, lon) by an isotropic Gaussian with σ = sigmaKm per axis.
    func scatter(_ latitude: Double, _ longitude: Double, sigmaKm: Double, using rng: inout SeededGenerator) -> (
        Double, Double
    ) {
        offset(
            latitude, longitude, northKm: sigmaKm * rng.nextStandardNormal(), eastKm: sigmaKm * rng.nextStandardNormal())
    }

    /// Moves a point by small north/east distances (local flat-earth approximation, fine below ~100 km).
    func offset(_ latitude: Double, _ longitude: Double, northKm: Double, eastKm: Double) -> (Double, Double) {
        let kmPerDegree = 111.32
        return (
            latitude + northKm / kmPerDegree,
            longitude + eastKm / (kmPerDegree * cos(latitude * Double.pi / 180))
        )
    }

    /// Appends the member's channels, in a fixed order, at most one per channel.
    ///
    /// Channel shares: WeChat OA 80 %, WeChat card 55 %, SMS 60 %, Moments ads 30 %. 85 % of channels are
    /// verified (a few days after joining). Of verified channels 80 % are healthy (delivered recently, any
    /// failure older), 12 % unhealthy (failed after the last delivery, or never delivered), 8 % never used.
    /// Unverified channels have no delivery, sometimes a failure.
    func appendChannels(_ memberId: Int64, joinedAt: Int64, into rows: inout [MemberChannelRow]) {
        var rng = SeededGenerator(seed: config.seed, stream: UInt64(bitPattern: memberId), substream: Stream.channels.rawValue)
        let day = Double(SimulationTime.microsPerDay)
        for (channel, share) in Self.channelShares {
            guard rng.nextBernoulli(share) else { continue }
            var row = MemberChannelRow(memberId: memberId, channel: channel, verifiedAt: nil, lastDeliveredAt: nil, lastFailedAt: nil)
            if rng.nextBernoulli(0.85) {
                var verifiedAt = joinedAt + Int64(rng.nextExponential(mean: 3 * day))
                if verifiedAt >= cutoffInstant {
                    verifiedAt = uniformInstant(from: joinedAt, to: cutoffInstant, draw: rng.nextUnitInterval())
                }
                row.verifiedAt = verifiedAt
                let state = rng.nextUnitInterval()
                if state < 0.80 {
                    let delivered = recentInstant(after: verifiedAt, meanDaysBefore: 45, using: &rng)
                    row.lastDeliveredAt = delivered
                    if rng.nextBernoulli(0.3) {
                        row.lastFailedAt = uniformInstant(from: verifiedAt, to: delivered, draw: rng.nextUnitInterval())
                    }
                } else if state < 0.92 {
                    let failed = recentInstant(after: verifiedAt, meanDaysBefore: 30, using: &rng)
                    row.lastFailedAt = failed
                    if rng.nextBernoulli(0.6) && failed > verifiedAt {
                        row.lastDeliveredAt = uniformInstant(from: verifiedAt, to: failed, draw: rng.nextUnitInterval())
                    }
                }
            } else if rng.nextBernoulli(0.15) {
                row.lastFailedAt = recentInstant(after: joinedAt, meanDaysBefore: 60, using: &rng)
            }
            rows.append(row)
        }
    }

    /// The channels in row order, with the share of members who have each.
    static let channelShares: [(MemberChannelRow.Channel, Double)] = [
        (.wechatOA, 0.80), (.wechatCard, 0.55), (.sms, 0.60), (.momentsAd, 0.30),
    ]

    /// An instant before the cut-off, typically `meanDaysBefore` days before it, never before `after`.
    func recentInstant(after: Int64, meanDaysBefore: Double, using rng: inout SeededGenerator) -> Int64 {
        let candidate =
            cutoffInstant - 1 - Int64(rng.nextExponential(mean: meanDaysBefore * Double(SimulationTime.microsPerDay)))
        if candidate >= after { return candidate }
        return uniformInstant(from: after, to: cutoffInstant, draw: rng.nextUnitInterval())
    }
}
