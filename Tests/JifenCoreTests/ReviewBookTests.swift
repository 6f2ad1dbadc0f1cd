import Testing
@testable import JifenCore

/// `ReviewBook` files reviews by the month of their score's date; a notice posts and closes only its period's, and
/// what is left of a month after its close stays findable.
@Suite struct ReviewBookTests {
    static func review(_ seq: Int64, _ date: String, _ state: ReviewState, household: String = "H001") throws -> ScoreReview {
        ScoreReview(seq: seq, household: HouseholdCode(rawValue: household), rule: RuleCode(rawValue: "A1.1"),
                    occurredOn: try #require(LocalDate(date)), points: 2, state: state, recordedBy: "王会计", objection: nil)
    }

    @Test func aQuarterPostsAndClosesItsMonthsAndLeavesTheRest() throws {
        var book = ReviewBook()
        // Many in February (so that its array is large when it closes), a few in January and March, one in April.
        var all: [ScoreReview] = [try Self.review(1, "2025-01-31", .pending), try Self.review(2, "2025-03-01", .proposed)]
        for seq in Int64(3)...200 { all.append(try Self.review(seq, "2025-02-\(String(format: "%02d", seq % 28 + 1))", .pending)) }
        all.append(try Self.review(201, "2025-04-01", .pending))
        for review in all.shuffled() { book.set(review) }
        #expect(book.count == all.count)
        #expect(book.sorted == all)
        var objected = try Self.review(100, "2025-02-17", .objected)
        objected.objection = 300
        book.set(objected)
        #expect(book.count == all.count && book.review(100) == objected)

        let quarter = try #require(NoticePeriod("2025-Q1")).dates
        book.post(quarter)
        #expect(book.reviews(in: quarter).filter { $0.state == .posted }.count == all.count - 3)
        #expect(book.review(201)?.state == .pending && book.review(2)?.state == .proposed)

        var ended: [Int64] = []
        book.close(quarter) { review, _ in ended.append(review.seq) }
        #expect(Set(ended) == Set(all.map(\.seq)).subtracting([2, 100, 201]))
        #expect(book.sorted.map(\.seq) == [2, 100, 201])
        #expect(book.review(100) == objected && book.review(2)?.state == .proposed && book.review(150) == nil)
        #expect(book.remove(100) == objected && book.remove(100) == nil)
        #expect(book.sorted.map(\.seq) == [2, 201] && book.count == 2)
    }
}

/// Which notice covers a score's date, as the fold asks for every score: the last of the notices in period order whose
/// dates hold it, none after the last day any notice covers — also in a log whose notices overlap (which `decide` never
/// writes, but a file may hold).
@Suite struct NoticeCoveringTests {
    static func notice(_ period: String, _ from: String, _ to: String, closed: Bool) throws -> NoticeRecord {
        let to = try #require(LocalDate(to))
        return NoticeRecord(period: period, from: try #require(LocalDate(from)), to: to, openedOn: to, closesOn: to,
                            closedOn: closed ? to : nil)
    }

    @Test func theCoveringNoticeIsFoundBeforeAndAfterTheLastPeriodsEnd() throws {
        var ledger = MemoryLedger()
        let day = { (text: String) in try #require(LocalDate(text)) }
        #expect(ledger.noticeOpen(covering: try day("2025-03-15")) == nil)
        // A year's notice, open, and within it February's, closed: February sorts last, and ends first.
        ledger.apply(.notice(try Self.notice("2025", "2025-01-01", "2025-12-31", closed: false)))
        ledger.apply(.notice(try Self.notice("2025-02", "2025-02-01", "2025-02-28", closed: true)))
        #expect(ledger.noticeOpen(covering: try day("2025-02-10")) == false)
        #expect(ledger.noticeOpen(covering: try day("2025-03-15")) == true)
        #expect(ledger.noticeOpen(covering: try day("2025-12-31")) == true)
        #expect(ledger.noticeOpen(covering: try day("2026-01-01")) == nil)
        #expect(ledger.noticeOpen(covering: try day("2024-12-31")) == nil)
        for text in ["2025-02-10", "2025-03-15", "2026-01-01"] {
            #expect(ledger.noticeOpen(covering: try day(text)) == ledger.notice(covering: try day(text))?.isOpen)
        }
    }
}
