import Testing

import ReactivateCore

/// The two `[source]` keys the data tests read: the plausible median basket and the feed's lag.
@Suite struct SourceCheckConfigTests {
    private func load(_ source: String) throws -> PipelineConfig {
        try PipelineConfig.load(text: "campaign = \"c\"\n\n[source]\n\(source)\n", fileName: "pipelines/test.toml")
    }

    private func error(_ source: String) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(source) }
    }

    @Test func defaultsAreOneToTwentyThousandYuanAndTwoDays() {
        let config = PipelineConfig.defaults(campaign: "c")
        #expect(config.medianBasketBandCents == 100...2_000_000)
        #expect(config.maxLagDays == 2)
    }

    @Test func theBandIsReadAsExactCents() throws {
        #expect(try load("median_basket_band = [0.50, 900000]").medianBasketBandCents == 50...90_000_000)
        #expect(try load("max_lag_days = 0").maxLagDays == 0)
    }

    @Test(arguments: [
        ("median_basket_band = 20000", "an array of two amounts"),
        ("median_basket_band = [1.00]", "exactly two amounts"),
        ("median_basket_band = [100, 1]", "low end must be below the high end"),
        ("median_basket_band = [0, 100]", "> 0"),
        ("median_basket_band = [1.001, 100]", "whole number of cents"),
        ("median_basket_band = [\"1\", 100]", "a number"),
        ("max_lag_days = -1", "between 0 and 3650"),
        ("max_lag_days = 1.5", "a whole number"),
    ])
    func badValuesAreRefusedWithTheLineKeyAndReason(source: String, reason: String) {
        let error = error(source)
        #expect(error?.line == 4)
        #expect(error?.keyPath?.hasPrefix("source.") == true)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }
}
