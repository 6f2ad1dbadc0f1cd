#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// What jifen prints goes to standard output through a buffer whose writes are checked: a write to a full disk or a
// closed file ends the command with exit 1 and a sentence saying so, never with the output lost in silence or a trap.
// Text is cleaned of control characters on the way, so that nothing read from a ledger (a note typed before notes
// were checked, a forged row) can move the cursor, clear the clerk's screen or retitle the window.

/// `print` for the whole tool: the same arguments as the standard library's, written with `Output.text`.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Output.text(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

/// Where one run of jifen speaks and what it is given: in the binary, the process's own streams, environment, folder
/// and standard input; when a command is run in-process (`Jifen.run`), buffers, a dictionary, a folder and bytes of
/// its own. Each run reads its console as a task-local value, so runs side by side in one process share nothing.
/// A console serves one command at a time, from one thread.
final class Console: @unchecked Sendable {
    /// The console of the run at hand: the process's, unless `Jifen.run` gave the run one of its own.
    @TaskLocal static var current: Console = .process

    /// The process's own streams, environment and folder (the binary's).
    static let process = Console()

    /// Whether this is the process's console: only it may install signal handlers or end the process.
    let isProcess: Bool
    /// Variables given to an in-process run (nil: the process's environment).
    private let variables: [String: String]?
    /// The folder relative paths are taken from in an in-process run (nil: the process's working folder).
    let directory: String?
    /// Standard input of an in-process run (nil: the process's).
    private let input: Data?
    /// At most this many bytes reach standard output in-process; one more is a failed write, as on a full disk.
    private let limit: Int?

    /// Whether standard output and standard error are terminals (never in-process).
    let outputIsTerminal: Bool
    let errorIsTerminal: Bool

    /// The language of messages said where no command is at hand (set from the arguments before parsing).
    var isEnglish = false
    /// Passwords come from standard input, a line each (`--password-stdin`), not from the terminal.
    var passwordFromInput = false
    /// Standard input's lines not yet taken by `nextInputLine` (read whole on the first call).
    var inputLines: [String]?

    /// What is waiting to go to standard output: written when it passes 64 KB, at the end of each line on a
    /// terminal, and when the command ends.
    private var buffer: [UInt8] = []
    /// What an in-process run wrote.
    private(set) var out: [UInt8] = []
    private(set) var err: [UInt8] = []
    /// Why standard output of an in-process run could not be written (an error number); it is said once, the run's
    /// status becomes 1, and nothing more is written.
    private(set) var failure: Int32?

    private init() {
        isProcess = true
        variables = nil
        directory = nil
        input = nil
        limit = nil
        outputIsTerminal = isatty(STDOUT_FILENO) == 1
        errorIsTerminal = isatty(STDERR_FILENO) == 1
    }

    /// A console for a run in this process: output is kept, the environment is `environment` alone, relative paths
    /// are taken from `directory`, standard input holds `input`, and more than `limit` bytes of standard output fail
    /// as a full disk would.
    init(environment: [String: String], directory: String, input: Data? = nil, limit: Int? = nil) {
        isProcess = false
        variables = environment
        self.directory = directory
        self.input = input
        self.limit = limit
        outputIsTerminal = false
        errorIsTerminal = false
    }

    /// An environment variable, empty or not.
    func variable(_ name: String) -> String? {
        guard isProcess else { return variables?[name] }
        return getenv(name).map { String(cString: $0) }
    }

    /// A path as given, taken from the run's folder when it is relative.
    func resolved(_ path: String) -> String {
        guard let directory, !path.hasPrefix("/") else { return path }
        let file = path.isEmpty ? directory : directory + "/" + path
        given.append((file, path))
        return file
    }

    /// The paths this run took from its folder, and how they were given.
    private var given: [(file: String, path: String)] = []

    /// A message of the store, which names files by the path it was handed, with the paths taken from the run's folder
    /// said as they were given (as the binary, run in that folder, says them).
    func asGiven(_ message: String) -> String {
        given.sorted { $0.file.count > $1.file.count }.reduce(message) { $0.replacingOccurrences(of: $1.file, with: $1.path) }
    }

    /// Everything on standard input: where a command reads it (a password, a sheet piped in), it reads it here, so
    /// that an in-process run is given its own and never waits on the process's.
    func readInput() -> Data {
        guard isProcess else { return input ?? Data() }
        return FileHandle.standardInput.readDataToEndOfFile()
    }

    func bytes(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 || outputIsTerminal { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        if isProcess {
            if let code = Output.writeAll(STDOUT_FILENO, buffer) { failed(code) }
        } else if failure == nil {
            if let limit, out.count + buffer.count > limit {
                out.append(contentsOf: buffer.prefix(limit - out.count))
                failed(ENOSPC)
            } else {
                out.append(contentsOf: buffer)
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func error(_ bytes: [UInt8]) {
        if isProcess {
            _ = Output.writeAll(STDERR_FILENO, bytes)
        } else {
            err.append(contentsOf: bytes)
        }
    }

    /// Says that standard output could not be written. The binary then leaves at once (exit 1, without flushing
    /// again); an in-process run keeps the failure, drops what follows, and ends with status 1 when the command returns.
    private func failed(_ code: Int32) {
        let english = isEnglish
        error(Array(Output.printable("jifen: " + (english
            ? "The output could not be written (\(Output.reason(code, english: true))); free some space or write elsewhere, and run the command again.\n"
            : "输出没能写完（\(Output.reason(code, english: false))）；请腾出空间或换个地方输出，再运行一次。\n")).utf8))
        guard isProcess else {
            failure = code
            return
        }
        // Nothing more can reach standard output; leave without flushing it again.
        _exit(1)
    }
}

enum Output {
    /// Writes text to standard output with every control character but newline, tab and form feed (a new page on a
    /// printer, between statements) shown as U+FFFD; stops the command when the output cannot be written.
    static func text(_ text: String) {
        Console.current.bytes(printable(text).utf8)
    }

    /// Writes bytes to standard output as they are (JSON, exports); stops the command when they cannot be written.
    static func bytes(_ bytes: some Collection<UInt8>) {
        Console.current.bytes(bytes)
    }

    /// Pushes what is buffered to standard output; says so and exits 1 when any of it could not be written.
    static func flush() {
        Console.current.flush()
    }

    /// A line on standard error. Errors writing it are let go: there is nowhere left to say them.
    static func error(_ text: String) {
        Console.current.error(Array(printable(text).utf8))
    }

    /// Progress and the like on standard error, as it is (it moves the cursor on purpose); errors let go.
    static func terminalControl(_ text: String) {
        Console.current.error(Array(text.utf8))
    }

    /// Writes every byte to a file descriptor; the error number when it could not.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }

    /// Whether text holds a character a terminal would act on instead of showing.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09, 0x0C: return false
        case 0x00..<0x20, 0x7F..<0xA0: return true
        default: return false
        }
    }

    static func printable(_ text: String) -> String {
        // Most text has no control character at all: look at the bytes first.
        guard text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0C || $0 == 0x7F || $0 == 0xC2 }) else {
            return text
        }
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            cleaned.append(isControl(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(cleaned)
    }

    /// Why a write failed, in the user's language.
    static func reason(_ code: Int32, english: Bool) -> String {
        switch code {
        case ENOSPC, EDQUOT: return english ? "the disk is full" : "磁盘已满"
        case EBADF: return english ? "the output is closed" : "输出已被关闭"
        case EPIPE: return english ? "the program reading the output has stopped" : "接收输出的程序已经退出"
        case EACCES, EPERM: return english ? "no permission to write there" : "没有写入权限"
        case EROFS: return english ? "the disk is read-only" : "磁盘是只读的"
        case EIO: return english ? "the disk reported an error" : "磁盘读写出错"
        case EFBIG: return english ? "the file is too large for this disk" : "文件超过了这个磁盘允许的大小"
        default: return english ? String(cString: strerror(code)) : "系统错误 \(code)：\(String(cString: strerror(code)))"
        }
    }
}

/// A file a command makes (`--out`). Checked before any work is done — never a folder, a device or the ledger itself,
/// and a file that exists only with `--force` — then written beside its name and given the name only when it is
/// whole and on disk: a failed or interrupted write leaves no partial file, and an earlier file as it was.
struct OutputFile {
    /// The name as given, in messages.
    let path: String
    /// The name taken from the run's folder, for the file system.
    let file: String
    let force: Bool
    /// Files that must never be replaced, whatever is asked: the ledger and SQLite's files beside it.
    let protected: [String]
    /// A file the command was told to rewrite in place (a checkpoint being countersigned).
    let replacing: String?

    /// Whether the command takes --force at all (a checkpoint file is never replaced).
    let forceAllowed: Bool

    init(_ path: String, force: Bool, forceAllowed: Bool = true, ledger: String? = nil, replacing: String? = nil) throws {
        let console = Console.current
        self.path = path
        self.file = console.resolved(path)
        self.force = force
        self.forceAllowed = forceAllowed
        self.protected = ledger.map(console.resolved).map { [$0, $0 + "-wal", $0 + "-shm", $0 + "-journal"] } ?? []
        self.replacing = replacing.map(console.resolved)
        try check()
    }

    /// Refuses a target that may not be written: said in one sentence, before anything is done.
    func check() throws {
        var target = stat()
        guard lstat(file, &target) == 0 else {
            // Nothing there yet: the folder must be.
            let folder = (path as NSString).deletingLastPathComponent
            let folderFile = (file as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folderFile.isEmpty ? "." : folderFile, isDirectory: &isFolder) || !isFolder.boolValue {
                throw CLIError(zh: "无法写入 \(path)：文件夹 \(folder) 不存在；请先建好文件夹，或换一个文件名。",
                               en: "Cannot write \(path): the folder \(folder) does not exist; make it first, or choose another file name.")
            }
            return
        }
        var followed = stat()
        let resolved = stat(file, &followed) == 0 ? followed : target
        if (resolved.st_mode & S_IFMT) == S_IFDIR {
            throw CLIError(zh: "\(path) 是一个文件夹，不能当作输出文件；请在后面加上文件名，例如 \(path)/导出.jsonl。",
                           en: "\(path) is a folder, not a file to write; give a file name inside it, e.g. \(path)/export.jsonl.")
        }
        if (resolved.st_mode & S_IFMT) != S_IFREG {
            throw CLIError(zh: "\(path) 不是普通文件（是设备或管道），jifen 不会写入或替换它；请给一个普通文件名，或去掉 --out 直接输出到屏幕。",
                           en: "\(path) is not a plain file (a device or a pipe), which jifen never writes or replaces; give a plain file name, or leave out --out to print it.")
        }
        for protectedFile in protected {
            var other = stat()
            if stat(protectedFile, &other) == 0 && other.st_dev == resolved.st_dev && other.st_ino == resolved.st_ino {
                throw CLIError(zh: "\(path) 就是账本文件本身，绝不能被覆盖；请换一个文件名。",
                               en: "\(path) is the ledger itself, which is never overwritten; choose another file name.")
            }
        }
        if let replacing, URL(fileURLWithPath: replacing).standardizedFileURL == URL(fileURLWithPath: file).standardizedFileURL { return }
        if !force {
            guard forceAllowed else {
                throw CLIError(zh: "\(path) 已经存在；这种文件从不覆盖，请另起一个文件名。",
                               en: "\(path) already exists; such a file is never overwritten: choose another file name.")
            }
            throw CLIError(zh: "\(path) 已经存在；jifen 从不覆盖不是它这次写的文件：请换一个文件名，确要替换就加上 --force。",
                           en: "\(path) already exists, and a file jifen did not make is never overwritten: choose another name, or add --force to replace it.")
        }
    }

    /// Makes the file: `produce` writes the draft at the path it is given; the draft then takes the name.
    func write(_ produce: (String) throws -> Void) throws {
        let draft = try makeDraft()
        do {
            try produce(draft)
            // On disk before it takes the name: a power cut leaves the old file or the whole new one.
            let fd = open(draft, O_RDONLY)
            if fd >= 0 {
                let synced = fsync(fd)
                close(fd)
                guard synced == 0 else { throw writeError(errno) }
            }
            try check()
            guard rename(draft, file) == 0 else { throw writeError(errno) }
            OutputFile.forget()
        } catch {
            unlink(draft)
            OutputFile.forget()
            throw error
        }
    }

    /// Makes the file from bytes handed to `sink` a piece at a time (a sink that throws a clean error when it fails).
    func stream(_ produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try write { draft in try OutputFile.appending(to: draft, produce) }
    }

    /// Writes whole bytes.
    func write(bytes: [UInt8]) throws {
        try write { draft in try OutputFile.fill(draft, with: bytes) }
    }

    /// Writes bytes into a draft this command made.
    static func fill(_ draft: String, with bytes: [UInt8]) throws {
        try appending(to: draft) { sink in try bytes.withUnsafeBytes { try sink($0) } }
    }

    private static func appending(to draft: String, _ produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let fd = open(draft, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw writeError(draft, errno) }
        defer { close(fd) }
        try produce { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw writeError(draft, errno)
                }
                offset += n
            }
        }
    }

    private func writeError(_ code: Int32) -> CLIError { OutputFile.writeError(path, code) }

    private static func writeError(_ path: String, _ code: Int32) -> CLIError {
        CLIError(zh: "无法写入 \(path)（\(Output.reason(code, english: false))）；请确认文件夹可以写入、磁盘没有满，再运行一次。",
                 en: "Cannot write \(path) (\(Output.reason(code, english: true))); check the folder may be written to and the disk is not full, and run the command again.")
    }

    /// A new file beside the target, made here (never one that was there), removed again if the command is interrupted.
    private func makeDraft() throws -> String {
        for attempt in 0..<100 {
            let candidate = "\(file).\(getpid())\(attempt == 0 ? "" : "-\(attempt)").part"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                close(fd)
                // Signals are the process's: an in-process run removes its draft when it fails, and no handler is set.
                if Console.current.isProcess {
                    OutputFile.draftForSignal = strdup(candidate)
                    OutputFile.removeDraftOnSignal()
                }
                return candidate
            }
            if errno != EEXIST { throw writeError(errno) }
        }
        throw writeError(EEXIST)
    }

    /// The draft being written, as a C string for the signal handler to remove (jifen writes one file at a time).
    nonisolated(unsafe) static var draftForSignal: UnsafeMutablePointer<CChar>?

    static func forget() {
        // In-process runs never set it (and may run side by side).
        guard Console.current.isProcess else { return }
        let draft = draftForSignal
        draftForSignal = nil
        free(draft)
    }

    /// On Ctrl-C or a polite kill, the draft goes and the command ends as the signal would have ended it.
    static func removeDraftOnSignal() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            if let draft = OutputFile.draftForSignal { unlink(draft) }
            _exit(128 + signal)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        signal(SIGHUP, handler)
    }
}
