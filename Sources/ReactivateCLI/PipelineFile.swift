import Foundation
import ReactivateCore
import ReactivatePipeline

/// Loads a pipeline config file, turning every problem into a configuration error (exit 2).
enum PipelineFile {
    static func load(_ path: String) throws -> (config: PipelineConfig, text: String) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineError(.configuration, "cannot read pipeline config \(path): \(error.localizedDescription)",
                fix: "pass the path of a TOML file such as pipelines/spring-wakeup.toml")
        }
        return (try PipelineConfig.load(text: text, fileName: path), text)
    }
}
