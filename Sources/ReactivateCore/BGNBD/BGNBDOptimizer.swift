/// BFGS with a strong-Wolfe line search (Nocedal & Wright, Algorithms 6.1, 3.5 and 3.6) in four
/// unconstrained variables: all the BG/NBD fit needs, kept small enough to read in one sitting.
///
/// Strong Wolfe steps keep yᵀs > 0, so the inverse-Hessian update stays positive definite and every
/// direction is a descent direction.
struct BGNBDOptimizer: Sendable {
    typealias Vector = SIMD4<Double>

    var maximumIterations: Int
    /// Stop when the largest gradient component is at most this.
    var gradientTolerance: Double
    /// Stop when an iteration improves f by at most this fraction of |f| and the gradient is small.
    var relativeTolerance: Double
    /// Largest change of any variable in one step, so a poor early direction cannot jump to overflow.
    var maximumStep: Double
    /// Stop (not converged) when a variable leaves [−bound, bound]: the optimum lies at infinity.
    var bound: Double

    struct Result {
        var point: Vector
        var value: Double
        var gradient: Vector
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var stop: Stop
        /// The inverse-Hessian approximation at the end: a warm start for a search on the same objective.
        var inverseHessian: [Vector] = BGNBDOptimizer.identity
    }

    /// Why the loop stopped.
    enum Stop: Equatable {
        case gradientTolerance
        case relativeTolerance
        /// The line search could not decrease f, but the gradient is at the rounding floor of the sums.
        case precisionLimit
        case lineSearchFailed
        /// Variable `index` left [−bound, bound]: the supremum lies at the edge of the domain.
        case diverged(index: Int, value: Double)
        case iterationLimit
        case nonFiniteStart
    }

    /// - Parameter initialInverseHessian: the curvature a search of a similar objective ended with
    ///   (`Result.inverseHessian`); nil starts from the identity, scaled after the first step.
    func minimize(
        from start: Vector, initialInverseHessian: [Vector]? = nil, _ objective: (Vector) -> (value: Double, gradient: Vector)
    ) -> Result {
        var evaluations = 0
        func evaluate(_ point: Vector) -> (value: Double, gradient: Vector) {
            evaluations += 1
            let result = objective(point)
            if !result.value.isFinite || !Self.isFinite(result.gradient) {
                return (.infinity, Vector(repeating: .nan))
            }
            return result
        }

        var x = start
        var (f, g) = evaluate(x)
        guard f.isFinite else {
            return Result(
                point: x, value: f, gradient: g, iterations: 0, evaluations: evaluations, converged: false,
                stop: .nonFiniteStart)
        }
        var inverseHessian = initialInverseHessian ?? Self.identity
        var hessianIsScaled = initialInverseHessian != nil
        var iteration = 0
        var quietIterations = 0
        while iteration < maximumIterations {
            let gradientNorm = Self.largestMagnitude(g)
            if gradientNorm <= gradientTolerance {
                return Result(
                    point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations, converged: true,
                    stop: .gradientTolerance, inverseHessian: inverseHessian)
            }
            var direction = -Self.multiply(inverseHessian, g)
            if (direction * g).sum() >= 0 {
                inverseHessian = Self.identity
                hessianIsScaled = false
                direction = -g
            }
            let initialStep = min(1, maximumStep / Self.largestMagnitude(direction))
            guard
                let step = lineSearch(
                    at: x, value: f, gradient: g, direction: direction, initialStep: initialStep, evaluate: evaluate)
            else {
                if hessianIsScaled || inverseHessian != Self.identity {
                    // A stale curvature model can point badly; retry once along the gradient.
                    inverseHessian = Self.identity
                    hessianIsScaled = false
                    iteration += 1
                    continue
                }
                let converged = gradientNorm <= 1e3 * gradientTolerance
                return Result(
                    point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations,
                    converged: converged, stop: converged ? .precisionLimit : .lineSearchFailed)
            }
            iteration += 1
            let s = step.point - x
            let y = step.gradient - g
            let decrease = f - step.value
            x = step.point
            f = step.value
            g = step.gradient
            if let outside = x.indices.first(where: { abs(x[$0]) > bound }) {
                return Result(
                    point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations, converged: false,
                    stop: .diverged(index: outside, value: x[outside]))
            }
            if Self.largestMagnitude(g) <= gradientTolerance {
                return Result(
                    point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations, converged: true,
                    stop: .gradientTolerance, inverseHessian: inverseHessian)
            }
            if decrease <= relativeTolerance * max(abs(f), 1) {
                quietIterations += 1
                if quietIterations >= 2 && Self.largestMagnitude(g) <= 1e3 * gradientTolerance {
                    return Result(
                        point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations,
                        converged: true, stop: .relativeTolerance, inverseHessian: inverseHessian)
                }
            } else {
                quietIterations = 0
            }
            let curvature = (y * s).sum()
            guard curvature > 1e-12 * (s * s).sum().squareRoot() * (y * y).sum().squareRoot() else { continue }
            if !hessianIsScaled {
                // Nocedal & Wright (6.20): scale the first guess to the curvature seen in the first step.
                inverseHessian = Self.scaled(Self.identity, by: curvature / (y * y).sum())
                hessianIsScaled = true
            }
            inverseHessian = Self.updated(inverseHessian, s: s, y: y, curvature: curvature)
        }
        return Result(
            point: x, value: f, gradient: g, iterations: iteration, evaluations: evaluations, converged: false,
            stop: .iterationLimit)
    }

    struct Trial {
        var step: Double
        var point: Vector
        var value: Double
        var gradient: Vector
        var slope: Double
    }

    /// A step satisfying the strong Wolfe conditions (c₁ = 1e−4, c₂ = 0.9), or nil when none was found.
    func lineSearch(
        at x: Vector, value f0: Double, gradient g0: Vector, direction: Vector, initialStep: Double,
        evaluate: (Vector) -> (value: Double, gradient: Vector)
    ) -> Trial? {
        let c1 = 1e-4
        let c2 = 0.9
        let slope0 = (g0 * direction).sum()
        func trial(_ step: Double) -> Trial {
            let point = x + step * direction
            let (value, gradient) = evaluate(point)
            return Trial(
                step: step, point: point, value: value, gradient: gradient, slope: (gradient * direction).sum())
        }
        let origin = Trial(step: 0, point: x, value: f0, gradient: g0, slope: slope0)
        var previous = origin
        var step = initialStep
        for attempt in 0..<25 {
            let current = trial(step)
            if !current.value.isFinite || current.value > f0 + c1 * step * slope0
                || (attempt > 0 && current.value >= previous.value)
            {
                return zoom(low: previous, high: current, origin: origin, c1: c1, c2: c2, trial: trial)
            }
            if abs(current.slope) <= -c2 * slope0 { return current }
            if current.slope >= 0 {
                return zoom(low: current, high: previous, origin: origin, c1: c1, c2: c2, trial: trial)
            }
            previous = current
            step *= 2
        }
        return previous.step > 0 ? previous : nil
    }

    /// Narrows [low, high] (low has the lowest acceptable value so far) to a strong Wolfe step.
    func zoom(
        low start: Trial, high end: Trial, origin: Trial, c1: Double, c2: Double, trial: (Double) -> Trial
    ) -> Trial? {
        var low = start
        var high = end
        // A dozen halvings shrink the bracket 4000-fold; past that the values differ only by rounding.
        for _ in 0..<12 {
            let width = high.step - low.step
            if abs(width) <= 1e-14 * max(abs(low.step), 1e-300) { break }
            var step = low.step + 0.5 * width
            if high.value.isFinite, let cubic = Self.cubicMinimizer(low, high) {
                // Safeguard: keep the interpolated step well inside the bracket.
                let lower = low.step + 0.1 * width
                let upper = high.step - 0.1 * width
                if (cubic - lower) * (cubic - upper) <= 0 { step = cubic }
            }
            let current = trial(step)
            if !current.value.isFinite || current.value > origin.value + c1 * step * origin.slope
                || current.value >= low.value
            {
                high = current
            } else {
                if abs(current.slope) <= -c2 * origin.slope { return current }
                if current.slope * (high.step - low.step) >= 0 { high = low }
                low = current
            }
        }
        return low.step > 0 ? low : nil
    }

    /// Minimiser of the cubic through two points with their values and slopes, if it exists.
    static func cubicMinimizer(_ p: Trial, _ q: Trial) -> Double? {
        let d1 = p.slope + q.slope - 3 * (p.value - q.value) / (p.step - q.step)
        let discriminant = d1 * d1 - p.slope * q.slope
        guard discriminant >= 0 else { return nil }
        let d2 = (q.step > p.step ? 1.0 : -1.0) * discriminant.squareRoot()
        let denominator = q.slope - p.slope + 2 * d2
        guard denominator != 0 else { return nil }
        let result = q.step - (q.step - p.step) * (q.slope + d2 - d1) / denominator
        return result.isFinite ? result : nil
    }

    // MARK: 4×4 symmetric matrices as four rows.

    static let identity: [Vector] = [Vector(1, 0, 0, 0), Vector(0, 1, 0, 0), Vector(0, 0, 1, 0), Vector(0, 0, 0, 1)]

    static func multiply(_ matrix: [Vector], _ vector: Vector) -> Vector {
        Vector(
            (matrix[0] * vector).sum(), (matrix[1] * vector).sum(), (matrix[2] * vector).sum(),
            (matrix[3] * vector).sum())
    }

    /// The largest absolute component (∞-norm), the convergence measure.
    static func largestMagnitude(_ vector: Vector) -> Double {
        max(max(abs(vector.x), abs(vector.y)), max(abs(vector.z), abs(vector.w)))
    }

    static func isFinite(_ vector: Vector) -> Bool {
        vector.x.isFinite && vector.y.isFinite && vector.z.isFinite && vector.w.isFinite
    }

    static func scaled(_ matrix: [Vector], by factor: Double) -> [Vector] {
        matrix.map { $0 * factor }
    }

    /// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/(yᵀs), written out for symmetric H.
    static func updated(_ h: [Vector], s: Vector, y: Vector, curvature: Double) -> [Vector] {
        let rho = 1 / curvature
        let hy = multiply(h, y)
        let yhy = (y * hy).sum()
        let factor = rho * rho * yhy + rho
        return (0..<4).map { i -> Vector in
            let symmetric: Vector = s[i] * hy + hy[i] * s
            let outer: Vector = s[i] * s
            return h[i] - rho * symmetric + factor * outer
        }
    }
}
