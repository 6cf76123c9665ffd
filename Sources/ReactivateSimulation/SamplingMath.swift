import Foundation
import ReactivateCore

/// Small numeric helpers for the samplers.
enum SamplingMath {
    /// ln(k!) exactly for small k and by Stirling's series above; avoids `lgamma`, which writes the global `signgam`.
    static func logFactorial(_ k: Int) -> Double {
        if k < smallLogFactorials.count { return smallLogFactorials[max(k, 0)] }
        let n = Double(k) + 1  // ln k! = ln Γ(n)
        let inverse = 1 / n
        let inverse2 = inverse * inverse
        let series = inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260 - inverse2 / 1680)))
        return (n - 0.5) * log(n) - n + 0.5 * log(2 * Double.pi) + series
    }

    /// ln(k!) for k = 0…15, summed exactly once.
    private static let smallLogFactorials: [Double] = {
        var values: [Double] = [0]
        var running = 0.0
        for k in 1..<16 {
            running += log(Double(k))
            values.append(running)
        }
        return values
    }()
}
