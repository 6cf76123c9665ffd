import ArgumentParser
import Foundation
import Postgres
import ReactivatePipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Recent runs with their stages, durations, rows and errors.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this campaign.") var campaign: String?
    @Option(help: ArgumentHelp(
        "Output format: table, or json (an array, one record per run with its stages, stats and full errors).",
        valueName: "format"))
    var format: Format = .table
    @Option(help: "How many runs to show.") var limit: Int = 20

    func run() throws {
        _ = try global.makeLogger()
        let connection = try global.connect()
        if format == .json {
            print(try RunStatusRecord.json(RunStatusRecord.load(connection, campaign: campaign, limit: limit)))
            return
        }
        let result = try connection.query(
            """
            SELECT coalesce(json_agg(r ORDER BY r.started_at DESC), '[]'::json)::text FROM (
              SELECT run_id, campaign, as_of::text, mode, status, attempts,
                     to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
                     round(extract(epoch FROM (coalesce(finished_at, now()) - started_at))::numeric, 2) AS seconds,
                     (SELECT coalesce(json_agg(json_build_object(
                                'stage', s.stage, 'status', s.status, 'rows_in', s.rows_in, 'rows_out', s.rows_out,
                                'seconds', round(extract(epoch FROM (coalesce(s.finished_at, now()) - s.started_at))::numeric, 2),
                                'error', s.error)
                              ORDER BY array_position(ARRAY['extract','score','target','issue','attribute'], s.stage)), '[]'::json)
                      FROM reactivation.stage_runs s WHERE s.run_id = runs.run_id) AS stages,
                     started_at AS started
              FROM reactivation.runs WHERE \(campaign)::text IS NULL OR campaign = \(campaign)
              ORDER BY started_at DESC LIMIT \(limit)
            ) r
            """, operation: "read run ledger")
        let json = try result.scalar(String.self) ?? "[]"
        guard let runs = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], !runs.isEmpty else {
            print("no runs recorded\(campaign.map { " for campaign '\($0)'" } ?? "")")
            return
        }
        for run in runs {
            let header = [
                "run \(run["run_id"] ?? "?")", "\(run["campaign"] ?? "?")", "as of \(run["as_of"] ?? "?")", "\(run["mode"] ?? "?")",
                "\(run["status"] ?? "?")", "started \(run["started_at"] ?? "?")", "\(run["seconds"] ?? "?") s",
                "attempts \(run["attempts"] ?? "?")",
            ]
            print(header.joined(separator: "  "))
            for stage in run["stages"] as? [[String: Any]] ?? [] {
                func field(_ key: String) -> String {
                    guard let value = stage[key], !(value is NSNull) else { return "–" }
                    return "\(value)"
                }
                var line = "    " + field("stage").padding(toLength: 10, withPad: " ", startingAt: 0)
                    + field("status").padding(toLength: 12, withPad: " ", startingAt: 0)
                    + "in " + field("rows_in").padding(toLength: 10, withPad: " ", startingAt: 0)
                    + "out " + field("rows_out").padding(toLength: 10, withPad: " ", startingAt: 0) + field("seconds") + " s"
                if let error = stage["error"] as? String {
                    // In full: the lines after the first carry the detail, hint and fix.
                    line += "\n      error: " + error.split(separator: "\n", omittingEmptySubsequences: false)
                        .joined(separator: "\n             ")
                }
                print(line)
            }
        }
    }
}
