import Foundation
import ReactivateCore

/// The smallest effects a wave's arm sizes can detect, computed before any coupon goes out.
///
/// Outcome variance comes from the model, not from guesses: each target's probability of buying in the
/// window (from BG/NBD expected purchases) and spend per purchase day give a per-member Bernoulli ×
/// spend outcome, whose pooled variance stands in for the window-sales variance. Two-sided test at
/// 1 − confidence, power 0.8, normal approximation: MDE = (z₁₋α/₂ + z_power) · σ · √(1/n_t + 1/n_c).
struct WavePower {
    var treatment = 0
    var control = 0
    var baselineRate = 0.0
    var salesStandardDeviation = 0.0
    var mdeRate: Double?
    var mdeSalesPerMember: Double?
    var warning: String?
    static let power = 0.8

    static func analyse(_ targets: [TargetSelection.Target], config: PipelineConfig) -> WavePower {
        var result = WavePower()
        var sumP = 0.0, sumMean = 0.0, sumSecond = 0.0
        for target in targets {
            if target.arm == .treatment { result.treatment += 1 } else { result.control += 1 }
            let spend = Double(target.monetaryCents) / 100
            sumP += target.purchaseProbability
            sumMean += target.purchaseProbability * spend
            sumSecond += target.purchaseProbability * spend * spend
        }
        let n = Double(targets.count)
        guard result.treatment > 0, result.control > 0, n > 1,
            let zAlpha = NormalDistribution.quantile(1 - (1 - config.confidence) / 2),
            let zPower = NormalDistribution.quantile(power)
        else {
            result.warning = "no power analysis: an arm is empty"
            return result
        }
        result.baselineRate = sumP / n
        let mean = sumMean / n
        result.salesStandardDeviation = (max(sumSecond / n - mean * mean, 0)).squareRoot()
        let scale = (zAlpha + zPower) * (1 / Double(result.treatment) + 1 / Double(result.control)).squareRoot()
        let p = result.baselineRate
        result.mdeRate = scale * (p * (1 - p)).squareRoot()
        result.mdeSalesPerMember = scale * result.salesStandardDeviation
        if let mde = result.mdeRate, mde > config.expectedLift {
            result.warning = "the control arm is too small to detect a reactivation lift of \(config.expectedLift) (minimum detectable: \(String(format: "%.4f", mde)))"
        }
        return result
    }

    var json: JSONValue {
        [
            "treatment": JSONValue(treatment), "control": JSONValue(control), "baseline_reactivation_rate": JSONValue(baselineRate),
            "sales_sd_per_member": JSONValue(salesStandardDeviation), "mde_reactivation_rate": mdeRate.map { JSONValue.number($0) } ?? .null,
            "mde_sales_per_member": mdeSalesPerMember.map { JSONValue.number($0) } ?? .null, "power": JSONValue(Self.power),
            "warning": warning.map(JSONValue.string) ?? .null,
        ]
    }
}
