import Foundation
import JifenPostgres
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL 15 cluster for this test process, made on first use and shared by its tests: `initdb` into a
/// temporary folder (as the `postgres` user when the tests run as root: PostgreSQL refuses to run as root), started by
/// `pg_ctl` on a free loopback port with its socket in that folder. A watchdog started beside it stops the cluster and
/// removes the folder once this process is gone, however it ends (a crash or a kill too).
///
/// Without PostgreSQL installed the PostgreSQL cases are left out, with the reason shown (`skipReason`), unless
/// `JIFEN_REQUIRE_POSTGRES=1` (as .ci/run sets it), which makes them run and fail.
public final class PostgresCluster: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public static let installed = FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb")
    public static let required = ProcessInfo.processInfo.environment["JIFEN_REQUIRE_POSTGRES"] == "1"
    /// Whether the PostgreSQL cases run.
    public static let runs = installed || required
    public static let skipReason: Comment =
        "PostgreSQL 15 is not installed (scripts/install-deps installs it); with JIFEN_REQUIRE_POSTGRES=1 this fails instead"

    /// The process's cluster, made on first use.
    public static let shared = Result { try PostgresCluster() }

    /// The process's county on the shared cluster: one pool, one cache of folds, each test in villages of its own.
    public static let county = Result { try PostgresCounty(url: try shared.get().url, connections: 8) }

    public let folder: String
    public let port: Int
    public var url: String { "postgres://jifen@127.0.0.1:\(port)/postgres" }

    private init() throws {
        guard Self.installed else { throw ClusterError("PostgreSQL 15 is not installed: no \(Self.binaries)/initdb") }
        var template = Array("\(FileManager.default.temporaryDirectory.path)/jifen-postgres-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ClusterError("no temporary folder: errno \(errno)") }
        folder = String(cString: made)
        if getuid() == 0 {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: folder)
        }
        // The watchdog first, so that the folder goes even if what follows fails.
        try Self.watch(parent: getpid(), folder: folder)
        try Self.run("initdb", ["-D", "\(folder)/data", "-U", "jifen", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                     log: "\(folder)/initdb.log")
        port = try Self.freePort()
        // The tests' cluster trades durability for speed (fsync off); the benchmark's (scripts/bench-county) does not.
        let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200"
        try Self.run("pg_ctl", ["-D", "\(folder)/data", "-l", "\(folder)/server.log", "-w", "-t", "60", "-o", options, "start"],
                     log: "\(folder)/pg_ctl.log")
    }

    /// The URL of another database of the cluster.
    public func url(database: String) -> String { "postgres://jifen@127.0.0.1:\(port)/\(database)" }

    /// psql as a clerk at the server would run it (as `user`, the cluster's superuser unless told): what it printed on
    /// error, or nil when `sql` ran.
    public func psql(_ sql: String, database: String = "postgres", user: String = "jifen") throws -> String? {
        let log = "\(folder)/psql-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try Self.launch("\(Self.binaries)/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)",
                                                             "-U", user, "-d", database, "-c", sql], log: log)
        return status == 0 ? nil : (try? String(contentsOfFile: log, encoding: .utf8)) ?? "psql exited \(status)"
    }

    /// Runs one of PostgreSQL's programs, as `postgres` when this process is root; its output goes to `log`.
    private static func run(_ program: String, _ arguments: [String], log: String) throws {
        let asRoot = getuid() == 0
        let status = try launch(asRoot ? "/usr/sbin/runuser" : "\(binaries)/\(program)",
                                (asRoot ? ["-u", "postgres", "--", "\(binaries)/\(program)"] : []) + arguments, log: log)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ClusterError("\(program) exited \(status): \(output)")
        }
    }

    /// Starts `path` with its output (both streams) in `log` and waits for it. Its standard streams are none of this
    /// process's: the server pg_ctl leaves running must not hold the test runner's pipes open. (posix_spawn rather than Foundation's `Process`, whose `waitUntilExit` was
    /// seen never to return for pg_ctl, whose server goes on after it.)
    private static func launch(_ path: String, _ arguments: [String], log: String) throws -> Int32 {
        let pid = try spawn(path, arguments, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ClusterError("waitpid: errno \(errno)") }
        }
        // WIFEXITED and WEXITSTATUS, which Glibc's module does not export.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Starts `path` and returns its process id, its standard input /dev/null and its output appended to `output`.
    /// With `session`, in a session of its own, so that a signal to this process's group (a test runner stopped) does
    /// not reach it.
    @discardableResult
    private static func spawn(_ path: String, _ arguments: [String], output: String, session: Bool = false) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26), which Glibc's module does not export (it is a GNU extension).
        if session { posix_spawnattr_setflags(&attributes, 0x80) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nor any other descriptor of this process: a pipe another test has open to its own child at that moment would
        // stay open in the server for good, and that test would wait for its end forever. (glibc 2.34's
        // posix_spawn_file_actions_addclosefrom_np, looked up by name: Glibc's module does not export it.)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw ClusterError("\(path) did not start: error \(spawned)") }
        return pid
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// A shell that waits for `parent` to end, then stops the cluster at once and removes its folder. In a session of
    /// its own, so that it outlives whatever signal ends this process and its group.
    private static func watch(parent: pid_t, folder: String) throws {
        let stop = (getuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : "") + "\(binaries)/pg_ctl -D \"$2/data\" -m immediate stop"
        let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; [ -f \"$2/data/postmaster.pid\" ] && \(stop); rm -rf \"$2\""
        try spawn("/bin/sh", ["-c", script, "watchdog", "\(parent)", folder], output: "/dev/null", session: true)
    }

    /// A loopback port no one listens on now (the kernel's pick for a socket bound to port 0).
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClusterError("no socket: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else { throw ClusterError("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
