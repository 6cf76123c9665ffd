#if canImport(Glibc)
@preconcurrency internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A failed system call: which call and its errno, turned into an ``ArtifactError`` by the caller who
/// knows what the operator should do about it.
struct SystemCallError: Error {
    var call: String
    var errno: Int32

    var reason: String { String(cString: strerror(errno)) + " (errno \(errno))" }
}

/// The POSIX calls artifacts need, each retrying EINTR and throwing ``SystemCallError``.
enum SystemFile {
    /// Creates `path` exclusively for writing with `mode`, which the kernel reduces by the umask.
    /// - Parameter exact: pin the mode with fchmod so the umask cannot matter (owner-only files,
    ///   whose mode must not depend on how the process was started).
    static func createExclusive(_ path: String, mode: mode_t, exact: Bool) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW
        let fd = try retrying("open") { open(path, flags, mode) }
        guard exact else { return fd }
        do {
            try retrying("fchmod") { fchmod(fd, mode) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    static func openForReading(_ path: String) throws -> Int32 {
        try retrying("open") { open(path, O_RDONLY | O_CLOEXEC) }
    }

    /// Writes all of `bytes`, looping over short writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = try retrying("write") { write(fd, base, remaining) }
            base += written
            remaining -= written
        }
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        return try retrying("read") { read(fd, base, buffer.count) }
    }

    static func sync(_ fd: Int32) throws {
        try retrying("fsync") { fsync(fd) }
    }

    /// Closes `fd`, reporting the error some filesystems only give at close (e.g. NFS quota).
    static func closeReporting(_ fd: Int32) throws {
        // EINTR on close leaves the descriptor closed on Linux; retrying could close a reused one.
        if close(fd) != 0, errno != EINTR {
            throw SystemCallError(call: "close", errno: errno)
        }
    }

    /// Closes `fd` on an error path, where a second failure has nothing to add.
    static func closeQuietly(_ fd: Int32) {
        _ = close(fd)
    }

    static func move(_ from: String, to: String) throws {
        try retrying("rename") { rename(from, to) }
    }

    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Makes a rename durable by syncing the directory entry; filesystems that cannot sync a
    /// directory (EINVAL) are accepted as they are.
    static func fsyncDirectory(_ directory: String) throws {
        let fd = try retrying("open directory") { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = close(fd) }
        do {
            try retrying("fsync directory") { fsync(fd) }
        } catch let error as SystemCallError where error.errno == EINVAL {
            return
        }
    }

    static func fileSize(_ fd: Int32) throws -> Int64 {
        var info = stat()
        try retrying("fstat") { fstat(fd, &info) }
        return Int64(info.st_size)
    }

    /// The directory holding `path`: everything before the last slash, or "." for a bare name.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    @discardableResult
    private static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw SystemCallError(call: call, errno: code) }
        }
    }
}
