@testable import JifenServer
import Testing

/// The public notice board's pages kept between reads: each village's own, the oldest let go past the limit, so that
/// a county's server of many villages keeps its busiest boards rather than emptying the lot.
@Suite struct NoticeCacheTests {
    func key(_ village: Int, head: Int64 = 1) -> NoticeSheetCache.Key {
        NoticeSheetCache.Key(village: "V\(village)", period: "2026-11", head: head, day: "2026-12-01")
    }

    @Test func theOldestPageGoesPastTheLimitAndAPageKeptAgainTakesItsOwnPlace() async {
        let cache = NoticeSheetCache()
        for village in 0..<NoticeSheetCache.limit { await cache.keep(key(village), "page \(village)") }
        #expect(await cache.count == NoticeSheetCache.limit)
        // The same village's board again (the log moved): replaced in place, nothing let go.
        await cache.keep(key(0, head: 2), "page 0 again")
        #expect(await cache.count == NoticeSheetCache.limit)
        #expect(await cache.page(key(0)) == nil, "a page of an older head is not served")
        #expect(await cache.page(key(0, head: 2)) == "page 0 again")
        // One more village: the oldest (village 0, kept first) goes, the rest stay.
        await cache.keep(key(NoticeSheetCache.limit), "page new")
        #expect(await cache.count == NoticeSheetCache.limit)
        #expect(await cache.page(key(0, head: 2)) == nil)
        #expect(await cache.page(key(1)) == "page 1")
        #expect(await cache.page(key(NoticeSheetCache.limit)) == "page new")
    }
}
