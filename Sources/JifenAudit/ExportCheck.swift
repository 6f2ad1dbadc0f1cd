import Foundation
import JifenCore

/// What `audit check` found in an export: how many events, from where, the head, and every problem by event.
public struct ExportCheck: Sendable {
    public var events = 0
    public var first: Int64 = 0
    public var last: Int64 = 0
    public var head = ""
    /// Whether the export starts at the first event (its first link is the genesis hash).
    public var whole = false
    public var problems: [AuditProblem] = []
    public var isValid: Bool { problems.isEmpty && events > 0 }
}

public enum AuditExport {
    /// The format's name, as the export's readers know it (docs/FORMAT.md, "Exports").
    public static let format = "jifen-events/1"

    /// The format's keys, in canonical order: the 19 hashed fields, then `prevHash` and `hash`. The export writer
    /// writes them so; the checker reads them back.
    public static let columns: [StaticString] = ["seq", "id", "stream", "streamVersion", "type", "occurredOn", "recordedAt", "actor",
                                                 "schemeVersion", "key", "household", "item", "rule", "earned", "deducted", "redeemed",
                                                 "stock", "reverses", "payload", "prevHash", "hash"]

    /// Verifies a JSON Lines export with no database: each line's hash over its canonical fields and the line
    /// before it, sequence numbers without gaps, and links that join.
    /// Unless `partial`, the export must be the whole log: it starts at event #1, on the genesis link.
    ///
    /// The check reads the file's bytes with a small strict JSON reader of its own, builds each event's canonical
    /// bytes (docs/FORMAT.md, "The hash rule") straight from them and hashes those: no Swift string or dictionary per
    /// line. What a line must be, to be an event of this format:
    /// - one JSON object (RFC 8259) on the line, with whitespace allowed around every token (a CR before the LF too);
    ///   lines that are empty or hold only whitespace are skipped, and a problem names a line by its number in the file;
    /// - the keys are the 21 names of the format, in any order, each at most once: an unknown key or a repeated one
    ///   makes the line not an event of this format (nothing on a line escapes the hash unnoticed, and no two JSON
    ///   readers can see different values); `key`, `household`, `item`, `rule` and `reverses` may be left out, which
    ///   reads as `null`, as their hash does;
    /// - text fields are strings, with every JSON escape (`\uXXXX`, surrogate pairs too); the hash is over the decoded
    ///   UTF-8 bytes, so an export written again by another JSON writer (keys reordered, `\u` escapes, spaces) still
    ///   checks; a string that is not valid UTF-8, holds a raw control character or a lone surrogate is refused;
    /// - numeric fields are integers (`-?(0|[1-9][0-9]*)`, within 64 bits): no fraction, no exponent, no quotes;
    ///   only the nullable ones may be `null`;
    /// - `prevHash` and `hash` are 64 hex digits, either case.
    ///
    /// A large export is checked in as many parts as the machine has cores (`parts` sets it), each from a line
    /// boundary; the parts are joined at the end, so the problems come out as one pass would have found them.
    public static func check(data: Data, partial: Bool = false, problemsMax: Int = 100, parts: Int? = nil) -> ExportCheck {
        data.withUnsafeBytes { check(bytes: $0, partial: partial, problemsMax: problemsMax, parts: parts) }
    }

    /// As `check(data:…)`, over bytes in memory (a mapped file, say).
    public static func check(bytes: UnsafeRawBufferPointer, partial: Bool = false, problemsMax: Int = 100, parts: Int? = nil) -> ExportCheck {
        let count = bytes.count
        var results: [Part] = []
        if count > 0, let base = bytes.baseAddress {
            let start = base.assumingMemoryBound(to: UInt8.self)
            let wanted = parts ?? (count >= 1 << 22 ? ProcessInfo.processInfo.activeProcessorCount : 1)
            let n = max(1, min(wanted, 64, count))
            // Each part starts just after a line feed, so that no line is cut.
            var bounds = [0]
            for index in 1..<n {
                var from = max(count / n * index, bounds[bounds.count - 1])
                if from < count, let feed = memchr(start + from, 0x0A, count - from) {
                    from = UnsafeRawPointer(feed) - base + 1
                } else {
                    from = count
                }
                bounds.append(from)
            }
            bounds.append(count)
            results = [Part](repeating: Part(), count: n)
            if n == 1 {
                results[0] = readPart(start, start + count, problemsMax: problemsMax)
            } else {
                results.withUnsafeMutableBufferPointer { buffer in
                    let shared = Shared(start: start, bounds: bounds, results: buffer)
                    DispatchQueue.concurrentPerform(iterations: n) { index in
                        shared.results[index] = readPart(shared.start + shared.bounds[index], shared.start + shared.bounds[index + 1],
                                                         problemsMax: problemsMax)
                    }
                }
            }
        }
        return join(results, partial: partial, problemsMax: problemsMax)
    }

    /// What the parts' workers share: the file, read only; where each part starts; and one result each, which only its
    /// own worker writes (`concurrentPerform` returns when all are done).
    private struct Shared: @unchecked Sendable {
        let start: UnsafePointer<UInt8>
        let bounds: [Int]
        let results: UnsafeMutableBufferPointer<Part>
    }

    // MARK: - Joining the parts

    private static func sequenceProblem(_ seq: Int64, expected: Int64) -> AuditProblem {
        if seq > expected && seq == expected &+ 1 {
            return .init(seq: seq, zh: "第 \(expected) 条事件不见了", en: "event #\(expected) is missing")
        }
        if seq > expected {
            return .init(seq: seq, zh: "第 \(expected)…\(seq &- 1) 条事件不见了", en: "events #\(expected)…#\(seq &- 1) are missing")
        }
        return .init(seq: seq, zh: "第 \(expected &- 1) 条之后的序号乱了", en: "sequence number out of order after #\(expected &- 1)")
    }

    private static func brokenLink(_ seq: Int64) -> AuditProblem {
        .init(seq: seq, zh: "它与前一条事件的链接断了（有事件被删除、插入或调换了顺序）",
              en: "its link to the event before it is broken (an event was removed, inserted or reordered)")
    }

    /// The parts in order, as one pass over the file would have seen them: a part's first event is checked against the
    /// last event of the parts before it (its sequence number, its link; or, the very first, against the genesis).
    private static func join(_ parts: [Part], partial: Bool, problemsMax: Int) -> ExportCheck {
        var report = ExportCheck()
        var previous: Digest?
        var expected: Int64 = 0
        var linesBefore = 0
        var problems: [AuditProblem] = []
        for part in parts {
            var found = part.problems.map { pending -> AuditProblem in
                pending.line > 0
                    ? .init(seq: 0, zh: "第 \(pending.line + linesBefore) 行不是这种格式的事件", en: "line \(pending.line + linesBefore) is not an event of this format")
                    : pending.problem
            }
            if part.events > 0 {
                var boundary: [AuditProblem] = []
                if let previous {
                    if part.firstSeq != expected { boundary.append(sequenceProblem(part.firstSeq, expected: expected)) }
                    if part.firstLink != previous { boundary.append(brokenLink(part.firstSeq)) }
                } else {
                    report.first = part.firstSeq
                    report.whole = part.firstSeq == 1 && part.firstLink == Digest()
                    if part.firstSeq == 1 && part.firstLink != Digest() {
                        boundary.append(.init(seq: part.firstSeq, zh: "第一条事件不是链的开头", en: "the first event does not start the chain"))
                    }
                }
                found.insert(contentsOf: boundary, at: part.firstProblemIndex)
                report.events += part.events
                if let lastSound = part.lastSound { report.last = lastSound }
                previous = part.previous
                expected = part.expected
            }
            if problems.count < problemsMax { problems += found.prefix(problemsMax - problems.count) }
            linesBefore += part.lines
        }
        report.problems = problems
        report.head = previous?.hex ?? ""
        func problem(_ seq: Int64, zh: String, en: String) {
            if report.problems.count < problemsMax { report.problems.append(.init(seq: seq, zh: zh, en: en)) }
        }
        if report.events == 0 { problem(0, zh: "导出文件里一条事件也没有", en: "the export holds no event") }
        if report.events > 0 && !report.whole && !partial {
            problem(report.first, zh: "导出文件不是从账本的第一条事件开始，而是从第 \(report.first) 条；只核对其中一段请加 --partial",
                    en: "the export does not start at the ledger's first event but at #\(report.first); check a part of the log with --partial")
        }
        return report
    }

    /// What one part of the file holds, its first event left to be checked against the parts before it.
    struct Part {
        /// Lines in the part, counting blank ones; `line` in a problem counts from the part's start.
        var lines = 0
        var events = 0
        var firstSeq: Int64 = 0
        var firstLink = Digest()
        /// Where the first event's sequence and link problems go among `problems`.
        var firstProblemIndex = 0
        /// The last event whose hash matched.
        var lastSound: Int64?
        var previous = Digest()
        var expected: Int64 = 0
        var problems: [Pending] = []

        mutating func add(_ pending: Pending, max: Int) {
            if problems.count < max { problems.append(pending) }
        }
    }

    /// A problem, or (`line` > 0) a line that is not an event, numbered within its part.
    struct Pending {
        var line = 0
        var problem = AuditProblem(seq: 0, zh: "", en: "")
    }

    /// Checks the lines of `start..<end` (whole lines) on their own.
    static func readPart(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, problemsMax: Int) -> Part {
        var part = Part()
        var reader = LineReader()
        defer { reader.deallocate() }
        var p = start
        while p < end {
            part.lines += 1
            let lineEnd = memchr(p, 0x0A, end - p).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? end
            let line = (p, lineEnd)
            p = lineEnd < end ? lineEnd + 1 : end
            switch reader.read(line.0, line.1) {
            case .blank:
                continue
            case .notAnEvent:
                part.add(Pending(line: part.lines), max: problemsMax)
                continue
            case .event:
                break
            }
            let seq = reader.seq
            if part.events == 0 {
                part.firstSeq = seq
                part.firstLink = reader.link
                part.firstProblemIndex = part.problems.count
            } else {
                if seq != part.expected { part.add(Pending(problem: sequenceProblem(seq, expected: part.expected)), max: problemsMax) }
                if reader.link != part.previous { part.add(Pending(problem: brokenLink(seq)), max: problemsMax) }
            }
            if reader.sound {
                part.lastSound = seq
            } else {
                part.add(Pending(problem: .init(seq: seq, zh: "内容与它的哈希值不符：写入之后被改动过",
                                                en: "its contents do not match its hash: it was altered after it was written")),
                         max: problemsMax)
            }
            part.previous = reader.hash
            part.expected = seq &+ 1
            part.events += 1
        }
        return part
    }
}
