#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with the calling thread in Linux's batch scheduling class (`SCHED_BATCH`), then
/// restores the thread's policy.
///
/// A thread draining a COPY stream is woken for every packet the server sends and, as an ordinary
/// thread, preempts the backend that sent it; the two then ping-pong on the cores. As a batch thread it
/// waits its turn and drains the socket in larger reads. Measured on the extract (1M members,
/// 12.75M transactions, 2 cores): voluntary context switches 88k → 7.5k, wall 2.9 s → 2.5 s; the single
/// floor stream, with a core to spare, is the same either way. Best effort: where the policy cannot be
/// set, `body` simply runs as it is.
func withBatchScheduling<T>(_ body: () throws -> T) rethrows -> T {
    #if os(Linux)
    let previous = sched_getscheduler(0)
    var parameters = sched_param()
    var previousParameters = sched_param()
    let changed = previous >= 0 && sched_getparam(0, &previousParameters) == 0
        && sched_setscheduler(0, batchPolicy, &parameters) == 0
    defer { if changed { _ = sched_setscheduler(0, previous, &previousParameters) } }
    #endif
    return try body()
}

#if os(Linux)
/// `SCHED_BATCH` from <sched.h> (visible only with _GNU_SOURCE).
private let batchPolicy: Int32 = 3
#endif
