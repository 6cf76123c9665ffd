import Foundation
import ReactivateCore
import ReactivatePipeline

/// Loads a pipeline config file, turning every problem into a configuration error (exit 2).
enum PipelineFile {
    static func load(_ path: String) throws -> (config: PipelineConfig, text: String) {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PipelineError(.configuration, "cannot read pipeline config \(path): \(error.localizedDescription)",
                fix: "pass the path of a TOML file such as pipelines/spring-wakeup.toml")
        }
        // Decoded apart from the read, so invalid UTF-8 is named with its line and byte offset.
        let text = try TOMLSourceText.decode(bytes, fileName: path)
        return (try PipelineConfig.load(text: text, fileName: path), text)
    }
}
