import Dispatch
import Foundation
import ReactivatePipeline

/// SIGINT/SIGTERM stop a run cleanly: the first cancels running statements (stages roll back and are
/// recorded as interrupted, exit 1 within seconds); a second one exits at once.
enum SignalHandling {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if Cancellation.shared.isCancelled {
                    StandardError.write("second signal: exiting now")
                    Glibc.exit(ExitStatus.failure)
                }
                StandardError.write("stopping: cancelling running statements (send the signal again to exit at once)")
                Cancellation.shared.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }
}
