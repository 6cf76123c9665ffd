import Foundation
import Postgres

/// A private PostgreSQL cluster for tests that stop and start the server (the database "going away").
///
/// Created with initdb in a temporary folder, listening only on a unix socket there; run as the
/// `postgres` OS user when the tests run as root (PostgreSQL refuses root), like `scripts/db.sh`.
public final class TestCluster: @unchecked Sendable {
    public let folder: URL
    public let connectionString: ConnectionString
    private let binaries: URL
    private let asRoot = getuid() == 0

    /// - Parameter password: when set, the cluster requires it (scram-sha-256) instead of trusting sockets.
    public init(password: String? = nil) throws {
        guard let bin = Self.findBinaries() else {
            throw TestSetupError("no PostgreSQL server binaries (initdb, pg_ctl) found: run `make deps`")
        }
        binaries = bin
        folder = URL(fileURLWithPath: "/tmp/reactivate-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let user = asRoot ? "postgres" : ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        connectionString = ConnectionString(
            "host=\(folder.path) dbname=postgres user=\(user)" + (password.map { " password=\($0)" } ?? ""))
        var authentication = ["--auth=trust"]
        if let password {
            let file = folder.appendingPathComponent("pwfile")
            try password.write(to: file, atomically: true, encoding: .utf8)
            authentication = ["--auth=scram-sha-256", "--pwfile=\(file.path)"]
        }
        if asRoot { try Self.shell("/bin/chown", ["-R", "postgres:", folder.path]) }
        try run("initdb", ["-D", folder.appendingPathComponent("data").path, "-U", user, "--encoding=UTF8", "--locale=C.UTF-8"] + authentication)
        let conf = """
            listen_addresses = ''
            unix_socket_directories = '\(folder.path)'
            fsync = off
            synchronous_commit = off
            timezone = 'UTC'
            """
        let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("data/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + conf + "\n").utf8))
        try handle.close()
        try start()
    }

    public func start() throws {
        try run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "30", "start"])
    }

    /// Stops the server at once, as a crash or a failover would (no clean shutdown of sessions).
    public func stopImmediately() throws {
        try run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
    }

    deinit {
        _ = try? run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let path = binaries.appendingPathComponent(tool).path
        if asRoot {
            try Self.shell("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try Self.shell(path, arguments)
        }
    }

    /// Runs a tool and waits for it with posix_spawn/waitpid: Foundation's Process can miss the exit of a
    /// child whose own child (the postmaster pg_ctl starts) lives on.
    @discardableResult
    public static func shell(_ executable: String, _ arguments: [String]) throws -> Int32 {
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestSetupError("cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status >> 8) & 0xFF
        guard status & 0x7F == 0, exitCode == 0 else {
            throw TestSetupError("\(executable) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
        return exitCode
    }

    static func findBinaries() -> URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted { $0.compare($1, options: .numeric) == .orderedDescending } ?? []
        for version in versions {
            let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        return nil
    }
}
