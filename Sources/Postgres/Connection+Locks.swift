extension Connection {
    /// Tries to take a session-level advisory lock without waiting.
    ///
    /// Session-level (not transaction-level) because a run spans many transactions; the lock is released
    /// by ``advisoryUnlock(_:)`` or, if the process dies, by the server when the session ends.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        try query("SELECT pg_try_advisory_lock($1::bigint)", [key], operation: "take advisory lock").scalar == "t"
    }

    public func advisoryUnlock(_ key: Int64) throws {
        try query("SELECT pg_advisory_unlock($1::bigint)", [key], operation: "release advisory lock")
    }
}
