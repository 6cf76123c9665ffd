import Artifacts
import ReactivatePipeline

/// Writes a finished report atomically: readers see the old file or the whole new one.
///
/// Reports are meant to be shared, so they are created like any file a command writes, 0666 less the
/// process umask (0644 under umask 022), unlike artifacts and delivery files, which stay 0600.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        do {
            let file = try AtomicFile(path: path, permissions: .processUmask)
            var text = text
            try text.withUTF8 { try file.write(UnsafeRawBufferPointer($0)) }
            try file.commit()
        } catch let error as ArtifactError {
            throw PipelineError(
                .runtime, "cannot write the report to \(path): \(error.message)",
                fix: error.code == .diskFull
                    ? "free space on that filesystem or choose another --out"
                    : "check that the folder exists and is writable for this user, or choose another --out")
        }
    }
}
