#if canImport(Glibc)
@preconcurrency internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
internal import Synchronization

/// Temporary files this process is writing right now, so a second writer for the same path fails
/// instead of replacing the first one's file (a stale file with our pid is from a dead process).
private let activeTemporaries = Mutex<Set<String>>([])

/// A whole file that appears at `path` only once complete and durable: readers see the old file or
/// the whole new one, never a half-written one.
///
/// Bytes go to `<path>.tmp-<pid>`, created exclusively; ``commit()`` fsyncs it, renames it into place and
/// fsyncs the directory. Dropped, discarded or failed before commit, it removes its temporary file.
/// Every error thrown is an ``ArtifactError`` that names the file and what to do. Artifacts, delivery
/// files and reports are all written through this one type; only their ``Permissions`` differ.
/// Not thread-safe: one file belongs to one task.
public final class AtomicFile {
    /// Who may read the finished file.
    public enum Permissions: Sendable {
        /// Exactly 0600 whatever the umask: artifacts and delivery files hold member data and coupon codes.
        case ownerOnly
        /// 0666 less the process umask, like any file a command creates: reports meant for colleagues.
        case processUmask

        var creationMode: mode_t {
            switch self {
            case .ownerOnly: mode_t(0o600)
            case .processUmask: mode_t(0o666)
            }
        }
    }

    public let path: String
    public let temporaryPath: String
    public let permissions: Permissions
    /// Bytes written so far.
    public private(set) var byteCount: Int64 = 0

    private var fd: Int32
    /// Whether the temporary file is ours to remove: true from creation until rename or removal.
    private var ownsTemporary = true
    private var committed = false

    /// Creates the temporary file.
    /// - Parameters:
    ///   - path: the final file name; its directory must exist and be writable.
    ///   - permissions: the finished file's mode (see ``Permissions``).
    public init(path: String, permissions: Permissions) throws {
        guard !path.isEmpty else {
            throw ArtifactError(code: .invalidInput, path: path, message: "the file path is empty")
        }
        self.path = path
        self.permissions = permissions
        let temporaryPath = "\(path).tmp-\(getpid())"
        self.temporaryPath = temporaryPath
        do {
            fd = try Self.createTemporary(temporaryPath, path: path, permissions: permissions)
        } catch {
            throw Self.writeError(error, path: path, temporaryPath: temporaryPath)
        }
    }

    deinit { discard() }

    /// Appends all of `bytes`; on failure the temporary file is removed and the file is unusable.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try guarded {
            try requireOpen()
            try SystemFile.writeAll(fd, bytes)
            byteCount += Int64(bytes.count)
        }
    }

    /// Makes the file durable and moves it to ``path``.
    public func commit() throws {
        try guarded {
            try requireOpen()
            try SystemFile.sync(fd)
            let closing = fd
            fd = -1
            try SystemFile.closeReporting(closing)
            try SystemFile.move(temporaryPath, to: path)
            releaseTemporary()
            committed = true
            try SystemFile.fsyncDirectory(SystemFile.directory(of: path))
        }
    }

    /// Abandons the file, removing the temporary file if it is still ours; safe to call repeatedly.
    public func discard() {
        if fd >= 0 {
            SystemFile.closeQuietly(fd)
            fd = -1
        }
        if ownsTemporary {
            SystemFile.remove(temporaryPath)
            releaseTemporary()
        }
    }

    private func requireOpen() throws {
        guard fd >= 0, !committed else {
            throw ArtifactError(
                code: .writerClosed, path: path,
                message: committed ? "the file has already been committed" : "the file was discarded or failed")
        }
    }

    /// Runs `body`; on failure removes the temporary file and throws an ``ArtifactError``.
    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let failure = Self.writeError(error, path: path, temporaryPath: temporaryPath)
            if failure.code != .writerClosed { discard() }
            throw failure
        }
    }

    /// Forgets the temporary name once it was renamed or removed, so another writer may use it.
    private func releaseTemporary() {
        ownsTemporary = false
        _ = activeTemporaries.withLock { $0.remove(temporaryPath) }
    }

    /// Creates the temporary file, replacing one left by a dead process that had our pid, but refusing
    /// when another writer in this process is writing the same file.
    private static func createTemporary(_ temporaryPath: String, path: String, permissions: Permissions) throws -> Int32 {
        let claimed = activeTemporaries.withLock { $0.insert(temporaryPath).inserted }
        guard claimed else {
            throw ArtifactError(
                code: .invalidInput, path: path,
                message: "another writer in this process is already writing this artifact",
                fix: "commit or discard the first writer before starting another for the same path")
        }
        do {
            do {
                return try SystemFile.createExclusive(temporaryPath, mode: permissions.creationMode, exact: permissions == .ownerOnly)
            } catch let error as SystemCallError where error.errno == EEXIST {
                SystemFile.remove(temporaryPath)
                return try SystemFile.createExclusive(temporaryPath, mode: permissions.creationMode, exact: permissions == .ownerOnly)
            }
        } catch {
            _ = activeTemporaries.withLock { $0.remove(temporaryPath) }
            throw error
        }
    }

    /// Turns any failure while writing into an ``ArtifactError`` that says what to do.
    static func writeError(_ error: any Error, path: String, temporaryPath: String) -> ArtifactError {
        if let error = error as? ArtifactError { return error }
        let directory = SystemFile.directory(of: path)
        guard let error = error as? SystemCallError else {
            return ArtifactError(code: .io, path: path, message: "writing failed: \(error)")
        }
        switch error.errno {
        case ENOSPC, EDQUOT:
            return ArtifactError(
                code: .diskFull, path: path,
                message: "no space left while writing \(temporaryPath): \(error.reason)",
                fix: "free space on the filesystem holding \(directory), or point the artifact "
                    + "directory at a larger one, then re-run the stage")
        case ENOENT where error.call == "open", ENOTDIR where error.call == "open":
            return ArtifactError(
                code: .directoryMissing, path: path,
                message: "cannot create \(temporaryPath): directory \(directory) does not exist "
                    + "or is not a directory (\(error.reason))",
                fix: "create it (mkdir -p '\(directory)') or configure an existing artifact directory")
        case EROFS:
            return ArtifactError(
                code: .permissionDenied, path: path,
                message: "cannot write \(temporaryPath): \(error.reason)",
                fix: "\(directory) is on a read-only filesystem; configure an artifact directory on a "
                    + "writable one")
        case EACCES, EPERM:
            return ArtifactError(
                code: .permissionDenied, path: path,
                message: "cannot write \(temporaryPath): \(error.reason)",
                fix: "make \(directory) writable for this user (uid \(getuid())), or configure a "
                    + "writable artifact directory")
        default:
            return ArtifactError(
                code: .io, path: path,
                message: "\(error.call) failed on \(temporaryPath): \(error.reason)")
        }
    }
}
