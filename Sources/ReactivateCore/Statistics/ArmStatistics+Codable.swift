/// Persisted form of partial arm statistics: 128-bit sums as decimal strings, since JSON numbers
/// lose precision beyond 2⁵³ and not every coder supports `Int128`.
extension ArmStatistics: Codable {
    private enum CodingKeys: String, CodingKey {
        case count
        case sumSalesCents
        case sumSquaredSalesCents
        case sumPreSalesCents
        case sumSquaredPreSalesCents
        case sumSalesTimesPreSalesCents
        case reactivatedCount
        case redeemedCount
        case sumRedeemedFaceValueCents
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(String(sumSalesCents), forKey: .sumSalesCents)
        try container.encode(String(sumSquaredSalesCents), forKey: .sumSquaredSalesCents)
        try container.encode(String(sumPreSalesCents), forKey: .sumPreSalesCents)
        try container.encode(String(sumSquaredPreSalesCents), forKey: .sumSquaredPreSalesCents)
        try container.encode(String(sumSalesTimesPreSalesCents), forKey: .sumSalesTimesPreSalesCents)
        try container.encode(reactivatedCount, forKey: .reactivatedCount)
        try container.encode(redeemedCount, forKey: .redeemedCount)
        try container.encode(String(sumRedeemedFaceValueCents), forKey: .sumRedeemedFaceValueCents)
    }

    /// Decodes and then validates, so a corrupted partial is rejected instead of skewing a merge.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func wide(_ key: CodingKeys) throws -> Int128 {
            let text = try container.decode(String.self, forKey: key)
            guard let value = Int128(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "expected a decimal integer, got '\(text)'")
            }
            return value
        }
        do {
            try self.init(
                count: container.decode(Int64.self, forKey: .count),
                sumSalesCents: wide(.sumSalesCents),
                sumSquaredSalesCents: wide(.sumSquaredSalesCents),
                sumPreSalesCents: wide(.sumPreSalesCents),
                sumSquaredPreSalesCents: wide(.sumSquaredPreSalesCents),
                sumSalesTimesPreSalesCents: wide(.sumSalesTimesPreSalesCents),
                reactivatedCount: container.decode(Int64.self, forKey: .reactivatedCount),
                redeemedCount: container.decode(Int64.self, forKey: .redeemedCount),
                sumRedeemedFaceValueCents: wide(.sumRedeemedFaceValueCents))
        } catch let error as StatisticsInputError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }
}
