import ArgumentParser
import Foundation
import ReactivateCore
import ReactivatePipeline

/// `reactivate model …`: the BG/NBD model on an analyst's own sample.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Work with the BG/NBD model directly.", subcommands: [ModelFitCommand.self])
}

struct ModelFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit BG/NBD (r, alpha, a, b) by maximum likelihood on a CSV of frequency,recency,T.",
        discussion: """
            The CSV needs columns frequency (repeat purchases), recency (first to last purchase) and T (first
            purchase to the end of observation), in any one time unit; an id column is kept as a row label.
            With --predict-horizon H it also prints, per row, P(alive) and the expected purchases in the
            next H units.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, text }

    @Option(help: "CSV file with frequency,recency,T columns.") var summary: String
    @Option(help: "Output format: json or text.") var format: Format = .text
    @Option(name: .customLong("predict-horizon"), help: "Also predict per row over this many time units.")
    var predictHorizon: Double?

    func validate() throws {
        if let predictHorizon, !(predictHorizon > 0 && predictHorizon.isFinite) {
            throw ValidationError("--predict-horizon must be a positive number")
        }
    }

    /// The file's distinct triples with their counts, streamed from a mapping of the file.
    static func groups(inFile path: String) throws -> [WeightedCustomerSummary] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw PipelineError(.configuration, "cannot read \(path): \(error.localizedDescription)", fix: "pass a readable CSV file")
        }
        do {
            return try data.withUnsafeBytes { raw in try SummaryCSV.groups(parsing: raw.bindMemory(to: UInt8.self)) }
        } catch {
            throw PipelineError(.configuration, "\(path): \(error)")
        }
    }

    func run() throws {
        let fit: BGNBDFit
        let model: BGNBDModel
        var csv: SummaryCSV?
        do {
            if predictHorizon == nil {
                // The fit alone needs only the distinct triples. Neither the file's mapping nor the
                // groups outlive what needs them, so the fit's peak memory is its own tables.
                let likelihood = try BGNBDLikelihood(groups: Self.groups(inFile: summary))
                fit = try BGNBDFit.fit(likelihood)
            } else {
                let text: String
                do { text = try String(contentsOfFile: summary, encoding: .utf8) } catch {
                    throw PipelineError(.configuration, "cannot read \(summary): \(error.localizedDescription)", fix: "pass a readable CSV file")
                }
                do { csv = try SummaryCSV(parsing: text) } catch {
                    throw PipelineError(.configuration, "\(summary): \(error)")
                }
                fit = try BGNBDFit.fit(csv?.summaries ?? [])
            }
            model = try fit.model()
        } catch let error as BGNBDError {
            throw PipelineError(.runtime, "\(summary): \(error)")
        }
        if let warning = fit.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let p = fit.parameters
        switch format {
        case .json:
            var object: [String: Any] = [
                "r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b, "log_likelihood": fit.logLikelihood,
                "customers": fit.customerCount, "iterations": fit.iterations, "evaluations": fit.evaluations,
                "converged": fit.converged,
            ]
            if let limit = fit.limit { object["limit"] = limit.description }
            if let horizon = predictHorizon, let csv {
                object["predict_horizon"] = horizon
                object["predictions"] = csv.rows.map { row -> [String: Any] in
                    let prediction = model.predict(row.summary, horizon: horizon)
                    var item: [String: Any] = [
                        "line": row.line, "p_alive": prediction.probabilityAlive, "expected_purchases": prediction.expectedPurchases,
                    ]
                    if let label = row.label { item["id"] = label }
                    return item
                }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print(String(format: "r = %.6g\nalpha = %.6g\na = %.6g\nb = %.6g\nlog_likelihood = %.6f", p.r, p.alpha, p.a, p.b, fit.logLikelihood))
            print("customers = \(fit.customerCount), iterations = \(fit.iterations), converged = \(fit.converged)")
            if let limit = fit.limit { print("limit = \(limit)") }
            if let horizon = predictHorizon, let csv {
                print("\n\(csv.labelColumn ?? "line"),p_alive,expected_purchases_\(horizon)")
                for row in csv.rows {
                    let prediction = model.predict(row.summary, horizon: horizon)
                    print("\(row.label ?? String(row.line)),\(prediction.probabilityAlive),\(prediction.expectedPurchases)")
                }
            }
        }
    }
}
