import Foundation
import Jifen
import JifenCore
@testable import JifenPostgres
import JifenPostgresTestSupport
import JifenStore
import JifenTestSupport
import Synchronization
import Testing

/// What only the county's PostgreSQL store has: many villages in one database, the database's own refusals, and locks
/// that serialise one village's appends and no one else's. Left out, with the reason shown, where PostgreSQL is not
/// installed (unless it is required: `PostgresCluster`).
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct PostgresOnly {
    static func cluster() throws -> PostgresCluster { try PostgresCluster.shared.get() }

    static func store(_ harness: Harness) throws -> PostgresStore {
        guard case .postgres(let store) = harness.backing else { throw ClusterError("not PostgreSQL") }
        return store
    }

    /// Where PostgreSQL runs, every test of the conformance suite runs against it too.
    @Test func theConformanceSuiteRunsAgainstPostgreSQL() {
        #expect(StoreKind.allCases.contains(.postgres))
    }

    /// A hostile clerk with psql: UPDATE, DELETE and TRUNCATE of events are refused, so is an insert that does not
    /// take the village's next sequence number after its head hash, and so is moving or removing a village's head.
    @Test func theDatabaseRefusesToRewriteAVillagesLog() throws {
        let harness = try smallVillage(.postgres)
        let village = try Self.store(harness).village
        let cluster = try Self.cluster()
        let head = try harness.headText(), links = try harness.links()
        let v = "village = '\(village)'"
        #expect(try cluster.psql("UPDATE events SET earned = 100 WHERE \(v) AND seq = 3")?.contains("append-only") == true)
        #expect(try cluster.psql("DELETE FROM events WHERE \(v) AND seq = 8")?.contains("append-only") == true)
        // A copy of #8 after a gap; right after it, but naming #7's hash as its previous one (its own previous hash);
        // and right after it with #8's hash as previous: the only one that extends the chain (its hash is not over its
        // fields, which the store's reads find, but the link is what the database can check without hashing).
        let copy = { (seq: String, previous: String) in
            "INSERT INTO events (village, \(EventRows.columns)) SELECT village, \(seq), id || 'x', stream, stream_version + 100, type, occurred_on, recorded_at, actor, scheme_version, NULL, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, \(previous), hash FROM events WHERE \(v) AND seq = 8"
        }
        #expect(try cluster.psql(copy("seq + 2", "hash"))?.contains("next sequence number") == true)
        #expect(try cluster.psql(copy("seq + 1", "prev_hash"))?.contains("previous hash") == true)
        #expect(try cluster.psql("UPDATE villages SET head_seq = 3 WHERE \(v)")?.contains("only by appending") == true)
        #expect(try cluster.psql("DELETE FROM villages WHERE \(v)")?.contains("never removed") == true)
        // What the foreign key from events to villages guarded until migration 0007, the triggers guard: a village keeps
        // its code, its table is never truncated (cascading or not), and an event of a village there is not is refused.
        #expect(try cluster.psql("UPDATE villages SET village = village || 'x' WHERE \(v)")?.contains("keeps its code") == true)
        #expect(try cluster.psql("TRUNCATE villages CASCADE")?.contains("append-only") == true)
        let elsewhere = copy("seq + 1", "hash").replacingOccurrences(of: "SELECT village,", with: "SELECT 'absent-village',")
        #expect(try cluster.psql(elsewhere)?.contains("no village absent-village") == true)
        #expect(try cluster.psql("INSERT INTO villages (village, head_seq) VALUES ('\(village)-2', 5)")?.contains("no events") == true)
        #expect(try harness.headText() == head)
        let after = try harness.links()
        #expect(after.map(\.hash) == links.map(\.hash) && after.allSatisfy(\.holds))
    }

    /// The database keeps an event's two dates to their forms (migration 0008 checks them without regular expressions,
    /// and takes exactly what 0001's expressions took): each value of the wrong form is refused by its check, naming
    /// it, and the event with its dates as they are lands.
    @Test func theDatabaseRefusesADateOfTheWrongForm() throws {
        let harness = try smallVillage(.postgres)
        let village = try Self.store(harness).village
        let cluster = try Self.cluster()
        let migrated = """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM jifen_migrations WHERE version = 8)
                 OR (SELECT count(*) FROM pg_constraint WHERE conrelid = 'events'::regclass
                     AND conname IN ('events_occurred_on_check', 'events_recorded_at_check')
                     AND pg_get_constraintdef(oid) LIKE '%translate%' AND pg_get_constraintdef(oid) NOT LIKE '%~%') <> 2 THEN
                RAISE EXCEPTION 'not migrated';
              END IF;
            END $$
            """
        #expect(try cluster.psql(migrated) == nil)
        let next = { (occurredOn: String, recordedAt: String) in
            "INSERT INTO events (village, \(EventRows.columns)) SELECT village, seq + 1, id || 'x', stream, stream_version + 100, type, \(occurredOn), \(recordedAt), actor, scheme_version, NULL, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, hash, hash FROM events WHERE village = '\(village)' AND seq = 8"
        }
        let quoted = { (value: String) in "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }
        let badDays = ["2025-1-01", "2025-01-011", "02025-01-01", "2025/01/01", "2025-01-0a", "２０２５-01-01", "x2025-01-01", "",
                       "2025-01-01 ", "2025--01-01"]
        for day in badDays + ["E'2025-01-01\\n'"] {
            let value = day.hasPrefix("E'") ? day : quoted(day)
            let refusal = try cluster.psql(next(value, "recorded_at"))
            #expect(refusal?.contains("events_occurred_on_check") == true, "\(day): \(refusal ?? "taken")")
        }
        for instant in ["2025-01-01T00:00:00Z", "2025-01-01 00:00:00.000Z", "2025-01-01T00:00:00.000", "2025-01-01T00:00:00.0000Z",
                        "2025-01-01T00:00:00,000Z", "2025-01-01T0:00:00.000Z", "2025-01-01T00:00:00.000z"] {
            let refusal = try cluster.psql(next("occurred_on", quoted(instant)))
            #expect(refusal?.contains("events_recorded_at_check") == true, "\(instant): \(refusal ?? "taken")")
        }
        #expect(try cluster.psql(next("occurred_on", "recorded_at")) == nil)
        // And the two forms of each check agree on every value here and on these.
        let values = (badDays + ["2025-01-01", "0000-00-00", "9999-99-99", "٠١٢٣-01-01"]).map(quoted) + ["E'2025-01-01\\n'", "E'\\n2025-01-01'"]
        let agree = """
            DO $$ BEGIN
              IF EXISTS (SELECT FROM unnest(ARRAY[\(values.joined(separator: ", "))]::text[]) AS v
                         WHERE (v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') IS DISTINCT FROM (translate(v, '0123456789', '9999999999') = '9999-99-99'))
                 OR EXISTS (SELECT FROM unnest(ARRAY['2025-01-01T00:00:00.000Z', \(["2025-01-01T00:00:00Z", "2025-01-01 00:00:00.000Z", "2025-01-01T00:00:00.0000Z", "2025-01-01T0:00:00.000Z", "2025-01-01T00:00:00.000z", "x"].map(quoted).joined(separator: ", "))]::text[]) AS v
                         WHERE (v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$') IS DISTINCT FROM
                               (translate(v, '0123456789', '9999999999') = '9999-99-99T99:99:99.999Z')) THEN
                RAISE EXCEPTION 'the checks disagree';
              END IF;
            END $$
            """
        #expect(try cluster.psql(agree) == nil)
    }

    /// A clerk's role with only what appending needs (INSERT on events, SELECT and UPDATE on villages) and the TEMPORARY
    /// privilege every role has: its own temporary `villages` does not stand in for the county's in the chain's trigger,
    /// and its own trigger cannot move a head; an insert that does extend the chain still lands, through the chain's
    /// trigger, which moves the head as the tables' owner (migration 0005).
    @Test func aClerksOwnTablesAndTriggersCannotMoveAHead() throws {
        let harness = try smallVillage(.postgres)
        let village = try Self.store(harness).village
        let cluster = try Self.cluster()
        let clerk = "clerk_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        #expect(try cluster.psql("""
            CREATE ROLE \(clerk) LOGIN; GRANT SELECT, INSERT ON events TO \(clerk); GRANT SELECT, UPDATE ON villages TO \(clerk)
            """) == nil)
        let v = "village = '\(village)'"
        let head = try harness.head()
        let copy = { (seq: String, previous: String) in
            "INSERT INTO events (village, \(EventRows.columns)) SELECT village, \(seq), id || 'x', stream, stream_version + 100, type, occurred_on, recorded_at, actor, scheme_version, NULL, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, \(previous), hash FROM events WHERE \(v) AND seq = \(head.seq)"
        }
        let forged = "'\\x" + String(repeating: "11", count: 32) + "'::bytea"
        let shadowed = try cluster.psql("""
            CREATE TEMP TABLE villages AS SELECT * FROM public.villages WHERE \(v);
            UPDATE villages SET head_seq = 999, head_hash = \(forged);
            \(copy("1000", forged))
            """, user: clerk)
        #expect(shadowed?.contains("next sequence number") == true)
        let poked = try cluster.psql("""
            CREATE TEMP TABLE poke (n int);
            CREATE FUNCTION pg_temp.poke() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE public.villages SET head_seq = 5000 WHERE \(v); RETURN NEW; END $$;
            CREATE TRIGGER poke BEFORE INSERT ON poke FOR EACH ROW EXECUTE FUNCTION pg_temp.poke();
            INSERT INTO poke VALUES (1);
            """, user: clerk)
        #expect(poked?.contains("only by appending") == true)
        // The chain's own function, which runs as the tables' owner, on a table and transition table of the clerk's: a
        // next link it makes up (the right seq and previous hash, a hash of its choosing) moves no head.
        let borrow = """
            CREATE TEMP TABLE mine (village text, seq bigint, prev_hash bytea, hash bytea);
            CREATE TRIGGER mine AFTER INSERT ON mine REFERENCING NEW TABLE AS new_events
                FOR EACH STATEMENT EXECUTE FUNCTION public.jifen_extend_the_chains();
            INSERT INTO mine SELECT village, head_seq + 1, head_hash, \(forged) FROM public.villages WHERE \(v);
            """
        let borrowed = try cluster.psql(borrow, user: clerk)
        #expect(borrowed?.contains("permission denied") == true, "\(borrowed ?? "taken")")
        // And were it granted, the function itself refuses to run for any trigger but the one on `events`.
        #expect(try cluster.psql("GRANT EXECUTE ON FUNCTION jifen_extend_the_chains() TO \(clerk)") == nil)
        let granted = try cluster.psql(borrow, user: clerk)
        #expect(granted?.contains("events alone") == true, "\(granted ?? "taken")")
        #expect(try cluster.psql("REVOKE EXECUTE ON FUNCTION jifen_extend_the_chains() FROM \(clerk)") == nil)
        #expect(try cluster.psql("UPDATE villages SET head_seq = 3 WHERE \(v)", user: clerk)?.contains("only by appending") == true)
        #expect(try harness.head().seq == head.seq)
        // The next link, by the clerk: the chain's trigger moves the head.
        #expect(try cluster.psql(copy("seq + 1", "hash"), user: clerk) == nil)
        let heads = try PostgresCluster.county.get().villages()
        #expect(heads.first { $0.village == village }?.seq == head.seq + 1)
    }

    /// One INSERT of many rows (as a load sends) is checked by the database row by row and taken whole or not at all
    /// (migration 0006's trigger, once per statement): a copy of a village's eight events into an empty village, with
    /// one row in the middle that does not extend the chain — a gap, a repeat, the wrong previous hash, another village's
    /// row, a village there is not, a row at or before the head — is refused, leaving nothing of it; the copy as it is
    /// lands and moves the head once to its last row; rows of two villages in one statement are each held to their own
    /// chain, and one bad row of either refuses both.
    @Test func aStatementWithOneBadRowIsRefusedWhole() throws {
        let harness = try smallVillage(.postgres)
        let source = try Self.store(harness).village
        let cluster = try Self.cluster()
        let county = try PostgresCluster.county.get()
        let name = { (prefix: String) in "\(prefix)-\(UUID().uuidString.lowercased().prefix(8))" }
        let (target, other) = (name("copy"), name("other"))
        _ = try county.createVillage(target)
        _ = try county.createVillage(other)
        let head = try harness.head()
        #expect(head.seq == 8)
        let copy = { (village: String, seq: String, previous: String, which: String) in
            """
            SELECT \(village), \(seq), id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
                   idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, \(previous), hash
            FROM events WHERE village = '\(source)' AND \(which)
            """
        }
        let insert = { (selects: [String]) in "INSERT INTO events (village, \(EventRows.columns)) " + selects.joined(separator: " UNION ALL ") }
        let into = { (village: String) in "'\(village)'" }
        let heads = { () throws -> [String: Int64] in
            Dictionary(uniqueKeysWithValues: try county.villages().filter { [target, other].contains($0.village) }.map { ($0.village, $0.seq) })
        }
        let bad: [(what: String, sql: String, says: String)] = [
            ("a gap", insert([copy(into(target), "seq", "prev_hash", "seq <> 4")]), "next sequence number"),
            ("a repeat", insert([copy(into(target), "seq", "prev_hash", "true"), copy(into(target), "seq", "prev_hash", "seq = 4")]), "duplicate key"),
            ("a seq moved", insert([copy(into(target), "CASE WHEN seq = 4 THEN 9 ELSE seq END", "prev_hash", "true")]), "next sequence number"),
            ("the wrong previous hash", insert([copy(into(target), "seq", "CASE WHEN seq = 4 THEN hash ELSE prev_hash END", "true")]), "previous hash"),
            ("another village's row", insert([copy("CASE WHEN seq = 4 THEN '\(other)' ELSE '\(target)' END", "seq", "prev_hash", "true")]),
             "next sequence number"),
            // (Named to sort before the target: the trigger takes a statement's villages in order, and the target's gap
            // would be found first.)
            ("a village there is not", insert([copy("CASE WHEN seq = 4 THEN 'absent-village' ELSE '\(target)' END", "seq", "prev_hash", "true")]),
             "no village absent-village"),
        ]
        for (what, sql, says) in bad {
            let refusal = try cluster.psql(sql)
            #expect(refusal?.contains(says) == true, "\(what): \(refusal ?? "taken")")
            #expect(try heads() == [target: 0, other: 0], "\(what)")
        }
        // The first six, as they are: taken, and the head is the sixth.
        #expect(try cluster.psql(insert([copy(into(target), "seq", "prev_hash", "seq <= 6")])) == nil)
        #expect(try heads() == [target: 6, other: 0])
        // At or before the head (a row again, or the chain from an earlier place), each with the rest of the chain.
        for (what, which) in [("a row again", "seq >= 6"), ("from the start", "seq >= 1")] {
            let refusal = try cluster.psql(insert([copy(into(target), "seq", "prev_hash", which)]))
            #expect(refusal != nil, "\(what)")
            #expect(try heads() == [target: 6, other: 0], "\(what)")
        }
        // Two villages at once, one of them with a gap: neither lands. Then both right: both heads move.
        let refusal = try cluster.psql(insert([copy(into(target), "seq", "prev_hash", "seq > 6"),
                                               copy(into(other), "seq", "prev_hash", "seq <> 5")]))
        #expect(refusal?.contains("next sequence number") == true)
        #expect(try heads() == [target: 6, other: 0])
        #expect(try cluster.psql(insert([copy(into(target), "seq", "prev_hash", "seq > 6"), copy(into(other), "seq", "prev_hash", "true")])) == nil)
        #expect(try heads() == [target: 8, other: 8])
        for village in [target, other] {
            #expect(try county.villages().first { $0.village == village }?.hash == head.hash)
            let links = try county.village(village).read { session in try session.links(from: 1, limit: 100) }
            #expect(links.map(\.hash) == (try harness.links()).map(\.hash))
        }
    }

    /// A load and a push copy their rows in (COPY, `VerbatimRows`), and COPY fires the chain's statement trigger as an
    /// INSERT does: rows for a village there is not, a gap, the wrong previous hash, are each refused whole; the rows
    /// as they are land, and the head is their last.
    @Test func aCopyIsCheckedByTheChainsTriggerAsAnInsertIs() throws {
        let harness = try smallVillage(.postgres)
        let county = try PostgresCluster.county.get()
        let target = "copied-\(UUID().uuidString.lowercased().prefix(8))"
        _ = try county.createVillage(target)
        let links = try harness.links()
        #expect(links.count == 8)
        let headOf = { (village: String) throws -> Int64? in try county.villages().first { $0.village == village }?.seq }
        var wrongPrevious = links
        wrongPrevious[3] = ChainLink(fields: links[3].fields, previousHash: links[5].hash, hash: links[3].hash)
        let bad: [(what: String, rows: [UInt8], says: String)] = [
            ("a village there is not", try VerbatimRows.copy(links[...], village: "absent-village"), "no village absent-village"),
            ("a gap", try VerbatimRows.copy(links[...].filter { $0.fields.seq != 4 }[...], village: target), "next sequence number"),
            ("the wrong previous hash", try VerbatimRows.copy(wrongPrevious[...], village: target), "previous hash"),
        ]
        for (what, rows, says) in bad {
            let refusal = #expect(throws: PostgresStoreError.self, "\(what)") {
                try county.pool.withConnection { try $0.copy(into: "events", columns: VerbatimRows.columns, rows: rows) }
            }
            #expect("\(refusal.map { "\($0)" } ?? "")".contains(says), "\(what): \(String(describing: refusal))")
            #expect(try headOf(target) == 0 && headOf("absent-village") == nil, "\(what)")
        }
        try county.pool.withConnection { try $0.copy(into: "events", columns: VerbatimRows.columns, rows: try VerbatimRows.copy(links[...], village: target)) }
        #expect(try headOf(target) == 8)
        #expect(try county.village(target).read { try $0.links(from: 1, limit: 100) }.map(\.hash) == links.map(\.hash))
    }

    /// A county made before migration 0006 (its five migrations applied by psql, a village's events appended under the
    /// per-row trigger) is migrated when it is opened: its heads stay, and its chains go on under the statement trigger,
    /// which refuses what does not extend them.
    @Test func aCountyMadeBeforeTheStatementTriggerMigratesOnOpening() throws {
        let cluster = try Self.cluster()
        let database = "before0006_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        #expect(try cluster.psql("CREATE DATABASE \(database)") == nil)
        let older = CountySchema.migrations.filter { $0.version <= 5 }
        #expect(older.count == 5)
        let recorded = older.map { "INSERT INTO jifen_migrations (version, file) VALUES (\($0.version), '\($0.file)');" }
        #expect(try cluster.psql(([CountySchema.versionTable + ";"] + older.map(\.sql) + recorded).joined(separator: "\n"), database: database) == nil)
        // A chain of ten links (hashes of nothing, which the database does not compute), its first six appended now.
        let chain = """
            CREATE TEMP TABLE chain AS
            WITH RECURSIVE c(seq, prev, h) AS (
              SELECT 1::bigint, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, sha256('1'::bytea)
              UNION ALL SELECT seq + 1, h, sha256(h) FROM c WHERE seq < 10)
            SELECT * FROM c;
            """
        let append = { (which: String, previous: String) in
            chain + """
            INSERT INTO events (village, \(EventRows.columns))
            SELECT 'V', seq, 'id' || seq, 'household:H' || seq, 1, 'v1.householdClosed', '2025-01-01', '2025-01-01T00:00:00.000Z', 'a', 0,
                   NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, '{}', \(previous), h FROM chain WHERE \(which);
            """
        }
        #expect(try cluster.psql("INSERT INTO villages (village) VALUES ('V');" + append("seq <= 6", "prev"), database: database) == nil)
        let county = try PostgresCounty(url: cluster.url(database: database), connections: 1)
        defer { county.close() }
        #expect(try county.schemaVersion() == CountySchema.latest)
        #expect(try county.villages().first?.seq == 6)
        // Under the new trigger: the rest with a wrong previous hash in the middle is refused whole; as it is, it lands.
        let refusal = try cluster.psql(append("seq > 6", "CASE WHEN seq = 8 THEN h ELSE prev END"), database: database)
        #expect(refusal?.contains("previous hash") == true, "\(refusal ?? "taken")")
        #expect(try county.villages().first?.seq == 6)
        #expect(try cluster.psql(append("seq > 6", "prev"), database: database) == nil)
        #expect(try county.villages().first?.seq == 10)
    }

    /// A county in a database whose own collation is a language's (ICU's Chinese here, as a server set up in zh_CN
    /// gives) lists its villages, townships and people in byte order all the same, as a village's SQLite file and a
    /// county made with the C locale do (migration 0009): every text column of the schema compares as bytes.
    @Test func aCountyListsInByteOrderWhateverItsDatabasesCollation() throws {
        let cluster = try Self.cluster()
        // A server built without ICU (its own choice at build time) has no language's collation to try: the test is then
        // cancelled, named as such in the run, rather than failed.
        let icu = "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_collation WHERE collprovider = 'i') THEN RAISE EXCEPTION 'no ICU'; END IF; END $$"
        if let failure = try cluster.psql(icu) {
            // Only the check's own answer cancels: a server that failed otherwise fails the test.
            guard failure.contains("no ICU") else { Issue.record("the check for ICU failed: \(failure)"); return }
            try Test.cancel("this PostgreSQL server was built without ICU: no language's collation to try")
        }
        let database = "zh_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        #expect(try cluster.psql("CREATE DATABASE \(database) TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh' LOCALE 'C.utf8'") == nil)
        // The database's own order is not the bytes': a2 before B1, 城 (chéng) before 东 (dōng), 李 (lǐ) before 张 (zhāng).
        let languageOrder = """
            DO $$ BEGIN
              IF NOT ('a2' < 'B1' AND '城关乡' < '东乡' AND '李四' < '张三') THEN RAISE EXCEPTION 'compared as bytes'; END IF;
            END $$
            """
        #expect(try cluster.psql(languageOrder, database: database) == nil)
        let county = try PostgresCounty(url: cluster.url(database: database), connections: 1)
        defer { county.close() }
        _ = try county.createVillage("a2", township: "城关乡")
        _ = try county.createVillage("B1", township: "东乡")
        _ = try county.createVillage("V")
        try county.setPerson("李四", role: .auditor, township: "城关乡", password: "correct horse battery")
        try county.setPerson("张三", role: .administrator, password: "correct horse battery")
        #expect(try county.villages().map(\.village) == ["B1", "V", "a2"])
        #expect(try county.reportTownships() == ["东乡", "城关乡"])
        #expect(try county.people().map(\.name) == ["张三", "李四"])
        // No text column keeps the database's collation, so that a table a later migration adds cannot bring it back.
        let languageColumns = """
            DO $$ BEGIN
              IF EXISTS (SELECT FROM information_schema.columns
                         WHERE table_schema = 'public' AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C') THEN
                RAISE EXCEPTION 'a text column of the database''s collation';
              END IF;
            END $$
            """
        #expect(try cluster.psql(languageColumns, database: database) == nil)
    }

    /// The chain is checked by one trigger per statement, and the per-row trigger of migration 0001 is gone.
    @Test func theChainsTriggerRunsOncePerStatement() throws {
        let cluster = try Self.cluster()
        _ = try PostgresCluster.county.get()
        let check = """
            DO $$ BEGIN
              IF EXISTS (SELECT FROM pg_trigger WHERE tgname = 'events_extend_the_chain')
                 OR NOT EXISTS (SELECT FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                                WHERE t.tgname = 'events_extend_the_chains' AND t.tgrelid = 'events'::regclass
                                  AND p.prosecdef AND p.proconfig::text LIKE '%search_path%'
                                  AND t.tgtype & 1 = 0 AND t.tgnewtable = 'new_events') THEN
                RAISE EXCEPTION 'not migrated';
              END IF;
            END $$
            """
        #expect(try cluster.psql(check) == nil)
    }

    /// TRUNCATE is refused too. Tried in a database of its own: TRUNCATE waits for the whole table's lock before its
    /// trigger refuses it, and meanwhile every append of every village queues behind it (the county's role should not
    /// hold TRUNCATE at all: docs/SCALE.md).
    @Test func theDatabaseRefusesToTruncateTheLog() throws {
        let cluster = try Self.cluster()
        let database = "truncate_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        #expect(try cluster.psql("CREATE DATABASE \(database)") == nil)
        let county = try PostgresCounty(url: cluster.url(database: database), connections: 1)
        defer { county.close() }
        let harness = Harness(kind: .postgres, backing: .postgres(try county.createVillage("V001")))
        try harness.execute(.openLedger(ledgerId: "small", village: "牛角村", scheme: referenceScheme, demo: false, admin: nil),
                            by: "张书记", on: "2025-01-01")
        let head = try harness.headText()
        #expect(try cluster.psql("TRUNCATE events", database: database)?.contains("append-only") == true)
        #expect(try cluster.psql("TRUNCATE villages CASCADE", database: database)?.contains("append-only") == true)
        #expect(try harness.headText() == head && harness.links().count == 2)
    }

    /// Villages are separate chains in one database: the same commands in two villages give the same chain in each,
    /// and `villages()` lists each with its head.
    @Test func eachVillageIsItsOwnChain() throws {
        let (first, second) = (try smallVillage(.postgres), try smallVillage(.postgres))
        try first.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-01")
        #expect(try second.head().seq == 8 && first.head().seq == 9)
        #expect(try first.links().prefix(8).map(\.hash) == second.links().map(\.hash))
        let county = try PostgresCluster.county.get()
        let heads = try county.villages()
        for harness in [first, second] {
            let store = try Self.store(harness)
            let head = try harness.head()
            #expect(heads.contains(PostgresCounty.VillageHead(village: store.village, seq: head.seq, hash: head.hash)))
        }
        #expect(throws: PostgresStoreError.villageExists(try Self.store(first).village)) {
            try county.createVillage(try Self.store(first).village)
        }
        #expect(throws: PostgresStoreError.badVillageCode("村 1")) { try county.createVillage("村 1") }
        #expect(throws: PostgresStoreError.badTownship("")) { try county.createVillage("t-empty-township", township: "") }
        let placed = "t-\(UUID().uuidString.lowercased())"
        try county.createVillage(placed, township: "城关镇")
        #expect(try county.villages().first { $0.village == placed }?.township == "城关镇")
        #expect(try county.villages().first { $0.village == placed }?.seq == 0)
        #expect(throws: PostgresStoreError.unknownVillage("no-such-village")) {
            try county.village("no-such-village").read { $0.headOfLog() }
        }
    }

    /// A load and a push send their rows as COPY's text format (`CopyText`): every value comes back as it went, whatever
    /// it holds — the format's own escapes (backslash, tab, newline, carriage return, `\N`, `\.`) at the start, middle
    /// and end of values shorter and longer than eight bytes, other control characters, quotes, Chinese, the ends of the number range, NULLs, bytes
    /// of every value.
    @Test func copysTextFormatCarriesEveryValueAsItIs() throws {
        let county = try PostgresCounty(url: try Self.cluster().url, connections: 1)
        defer { county.close() }
        let texts: [String?] = ["", "plain", "a\\b", "\\", "end\\", "tab\there", "line\nbreak", "cr\rlf\r\n", "\\N", "\\.", "\\x00",
                                "'quoted' \"double\"", "中文 积分，兑换：油、盐、米", "{\"note\":\"a\\\\b\\n\"}", nil, " lead and trail ", "\u{1F33E}",
                                "12345678\\abcdef\\", "0123456789abcdef\t", "\u{01}ctl\u{0B}\u{0C}bytes below 0x0E", "\u{7F}\u{0E}\u{5B}\u{5D}"]
        let numbers: [Int64?] = [0, 1, -1, 9, 10, -10, 1234567890, Int64.max, Int64.min, Int64.min + 1, nil]
        let blobs: [Data] = [Data(), Data([0]), Data([0x5C, 0x09, 0x0A, 0x0D, 0x4E, 0x2E]), Data((0...255).map { UInt8($0) }), Data(repeating: 0xFF, count: 32)]
        let rows = (0..<max(texts.count, numbers.count, blobs.count)).map { i in
            (i: Int64(i), t: texts[i % texts.count], n: numbers[i % numbers.count], b: blobs[i % blobs.count])
        }
        var out = CopyText(capacity: 0)
        for row in rows {
            out.int(row.i)
            out.text(row.t)
            out.int(row.n)
            out.bytea(row.b)
            out.endRow()
        }
        let back = try county.pool.withConnection { connection -> [(Int64, String?, Int64?, Data)] in
            try connection.run("CREATE TEMP TABLE copied (i int8 PRIMARY KEY, t text, n int8, b bytea NOT NULL)")
            try connection.copy(into: "copied", columns: ["i", "t", "n", "b"], rows: out.bytes)
            let read = try connection.rows("SELECT i, t, n, b FROM copied ORDER BY i").map { try $0.decode((Int64, String?, Int64?, Data).self) }
            try connection.run("DROP TABLE copied")
            return read
        }
        #expect(back.count == rows.count)
        for (row, got) in zip(rows, back) {
            #expect(got.0 == row.i && got.1 == row.t && got.2 == row.n && got.3 == row.b, "row \(row.i): \(got)")
        }
        // A row the format cannot take (too few columns) is refused by the server, and the connection goes on.
        var short = CopyText(capacity: 0)
        short.int(1)
        short.endRow()
        try county.pool.withConnection { connection in
            let backend = try connection.rows("SELECT pg_backend_pid()").first?.decode(Int32.self)
            try connection.run("CREATE TEMP TABLE copied (i int8, t text)")
            let refused = #expect(throws: PostgresStoreError.self) {
                try connection.copy(into: "copied", columns: ["i", "t"], rows: short.bytes)
            }
            #expect("\(refused.map { "\($0)" } ?? "")".contains("missing data"), "\(String(describing: refused))")
            // The same session goes on (its temporary table is still there).
            #expect(try connection.rows("SELECT pg_backend_pid() FROM copied LIMIT 1").isEmpty)
            #expect(try connection.rows("SELECT pg_backend_pid()").first?.decode(Int32.self) == backend)
            try connection.run("DROP TABLE copied")
        }
    }

    /// Opening the county again finds its schema up to date and applies nothing twice.
    @Test func openingAgainMigratesNothing() throws {
        let county = try PostgresCounty(url: try Self.cluster().url, connections: 1)
        defer { county.close() }
        #expect(try county.schemaVersion() == CountySchema.latest)
        #expect(CountySchema.latest == CountySchema.migrations.count)
        #expect(CountySchema.statements(CountySchema.migrations[0].sql).contains { $0.contains("$$") && $0.contains("RAISE EXCEPTION") })
    }

    /// One village's append held open (its body waits on a semaphore, its head row locked) does not hold up another
    /// village's, which lands while the first is still open; then the first lands too.
    @Test func twoVillagesAppendedAtOnceNeverWaitOnEachOther() throws {
        let (held, other) = (try smallVillage(.postgres), try smallVillage(.postgres))
        let store = try Self.store(held)
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), heldDone = DispatchSemaphore(value: 0)
        let heldResult = Mutex<Result<Int64, any Error>?>(nil)
        Thread.detachNewThread {
            let result = Result {
                try store.write { session -> Int64 in
                    let context = CommandContext(actor: "王会计", today: "2025-12-31", occurredOn: "2025-03-01")
                    let decision = try decide(score("H001", "C2.3"), context: context, state: session)
                    try session.append(decision, recordedAt: "2025-12-31T09:30:00.000Z", key: nil, newId: { "held" })
                    inside.signal()
                    release.wait()
                    return session.headOfLog().seq
                }
            }
            heldResult.withLock { $0 = result }
            heldDone.signal()
        }
        inside.wait()
        // The other village's append, on its own thread so that a wait on the held lock could not hang the test.
        let otherDone = DispatchSemaphore(value: 0)
        let otherResult = Mutex<Result<Written, any Error>?>(nil)
        Thread.detachNewThread {
            let result = Result { try other.execute(score("H002", "C2.3"), by: "王会计", on: "2025-03-01") }
            otherResult.withLock { $0 = result }
            otherDone.signal()
        }
        let landed = otherDone.wait(timeout: .now() + 120) == .success
        #expect(landed, "the other village's append waited on the held one")
        #expect(heldResult.withLock { $0 } == nil, "the held append is still open")
        release.signal()
        heldDone.wait()
        if landed { _ = otherDone }
        #expect(try heldResult.withLock { $0 }?.get() == 9)
        #expect(try otherResult.withLock { $0 }?.get().events.map(\.seq) == [9])
        #expect(try held.head().seq == 9 && other.head().seq == 9)
    }

    /// Two writers of one village in two processes (two counties: their own connections and folds): while the first
    /// holds its append open, the second waits; then it decides on the first's result and lands after it. No fork, no
    /// lost write.
    @Test func twoWritersOfOneVillageTakeTurnsAndTheSecondDecidesOnTheFirstsResult() throws {
        let harness = try smallVillage(.postgres)
        let first = try Self.store(harness), second = try Self.store(try harness.secondWriter())
        let context = CommandContext(actor: "王会计", today: "2025-12-31", occurredOn: "2025-03-01")
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let firstResult = Mutex<Result<Int64, any Error>?>(nil), secondResult = Mutex<Result<Int64, any Error>?>(nil)
        Thread.detachNewThread {
            let result = Result {
                try first.write { session -> Int64 in
                    let decision = try decide(score("H001", "C2.3"), context: context, state: session)
                    try session.append(decision, recordedAt: "2025-12-31T09:30:00.000Z", key: nil, newId: { "first" })
                    inside.signal()
                    release.wait()
                    return session.headOfLog().seq
                }
            }
            firstResult.withLock { $0 = result }
            done.signal()
        }
        inside.wait()
        Thread.detachNewThread {
            // H001's score is on the same day and rule: what the second decides depends on the first (its earned).
            let result = Result {
                try second.write { session -> Int64 in
                    let before = session.headOfLog().seq
                    let decision = try decide(score("H001", "C2.3"), context: context, state: session)
                    try session.append(decision, recordedAt: "2025-12-31T09:31:00.000Z", key: nil, newId: { "second" })
                    #expect(session.household("H001")?.earned == 20, "the second decided on the first's score")
                    return before
                }
            }
            secondResult.withLock { $0 = result }
            done.signal()
        }
        // The second cannot take the village's lock while the first holds it: it has not decided when the first is let go.
        release.signal()
        done.wait()
        done.wait()
        #expect(try firstResult.withLock { $0 }?.get() == 9)
        #expect(try secondResult.withLock { $0 }?.get() == 9, "the second decided after the first's event, at head #9")
        let links = try harness.links()
        #expect(links.map(\.fields.id).suffix(2) == ["first", "second"])
        var previous = Chain.genesis
        for link in links {
            #expect(link.previousHash == previous && link.holds)
            previous = link.hash
        }
        #expect(try harness.projections().households.first { $0.code == "H001" }?.earned == 20)
    }

    /// A multi-event decision (opening the ledger: two events) whose transaction dies after its events went in (the
    /// body throws; the server ends the connection, as when the process is killed) leaves nothing of it, and the
    /// village then opens as if it had never been tried.
    @Test func aWriteThatDiesPartWayLeavesNothing() throws {
        let harness = try Harness(.postgres)
        let store = try Self.store(harness)
        let cluster = try Self.cluster()
        let head = try harness.headText(), before = try harness.projections()
        let open = Command.openLedger(ledgerId: "small", village: "牛角村", scheme: referenceScheme, demo: false, admin: nil)
        let context = CommandContext(actor: "张书记", today: "2025-12-31", occurredOn: "2025-01-01")
        struct Abandoned: Error {}
        for ending in ["throw", "kill"] {
            do {
                try store.write { session in
                    let decision = try decide(open, context: context, state: session)
                    try session.append(decision, recordedAt: "2025-12-31T09:30:00.000Z", key: nil, newId: { UUID().uuidString })
                    #expect(session.headOfLog().seq == 2 && decision.events.count == 2)
                    if ending == "throw" { throw Abandoned() }
                    let pid = try session.connection.rows("SELECT pg_backend_pid()").first?.decode(Int32.self)
                    #expect(try cluster.psql("SELECT pg_terminate_backend(\(pid ?? 0))") == nil)
                    // Until the client has seen the server go (a statement sent as it goes may never be answered: the
                    // store then gives the connection up after `Connection.patience`).
                    for _ in 0..<200 where !session.connection.connection.isClosed { Thread.sleep(forTimeInterval: 0.05) }
                }
                Issue.record("\(ending): the write committed")
            } catch {
                #expect(ending == "kill" || error is Abandoned, "\(error)")
            }
            #expect(try harness.headText() == head, "\(ending)")
            #expect(try harness.projections() == before, "\(ending)")
        }
        let written = try harness.execute(open, by: "张书记", on: "2025-01-01")
        #expect(written.events.map(\.seq) == [1, 2])
    }
}

/// The county's schema in the code is schema/postgres/, file for file (`.embedInCode` in Package.swift, `CountySchema`),
/// and each migration splits into the statements PostgreSQL is sent one by one. Needs no PostgreSQL.
/// COPY's text format as `CopyText` writes it, without a server: the bytes of a row exactly, and the eight-at-a-time
/// look for bytes to escape held to a byte-by-byte one for every byte value at every place of values 0–17 bytes long.
@Suite struct CopyTextRows {
    @Test func aRowIsWrittenExactly() {
        var out = CopyText(capacity: 0)
        out.text("a\\b\tc\nd\re 中")
        out.text(nil)
        out.int(Int64.min)
        out.int(0)
        out.int(nil)
        out.bytea(Data([0x00, 0xAB, 0x5C]))
        out.endRow()
        out.text("x")
        out.bytea(Data())
        out.endRow()
        let expected = "a\\\\b\\tc\\nd\\re 中\t\\N\t-9223372036854775808\t0\t\\N\t\\\\x00ab5c\nx\t\\\\x\n"
        #expect(String(decoding: out.bytes, as: UTF8.self) == expected)
    }

    @Test func theLookForEscapesMissesNothingAndFindsOnlyWhatItSays() {
        var wrong: [String] = []
        for length in 0...17 {
            for place in 0..<max(length, 1) {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { bytes[place] = UInt8(value) }
                    let expected = length > 0 && (value < 0x0E || value == 0x5C)
                    if bytes.withUnsafeBufferPointer(CopyText.mayNeedEscapes) != expected { wrong.append("\(length) \(place) \(value)") }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }
}

@Suite struct CountySchemaFiles {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schema/postgres")

    @Test func theMigrationsInsideTheCodeAreTheFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).sorted()
        #expect(names == CountySchema.migrations.map(\.file), "a file of schema/postgres/ is not carried: name it in Package.swift and CountySchema")
        for migration in CountySchema.migrations {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(migration.file), encoding: .utf8)
            #expect(migration.sql == text)
            #expect(migration.file.hasPrefix(String(format: "%04d_", migration.version)))
        }
        #expect(CountySchema.migrations.map(\.version) == Array(1...CountySchema.migrations.count))
    }

    /// Statements end at a `;` that ends a line, except inside a function's `$$ … $$` body; comment lines are dropped.
    @Test func aMigrationSplitsIntoItsStatements() {
        let sql = """
            -- a comment; not a statement
            CREATE TABLE a (x int);

            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no';
            END;
            $$;
            CREATE TRIGGER t BEFORE UPDATE ON a
                FOR EACH ROW EXECUTE FUNCTION f();
            """
        let statements = CountySchema.statements(sql)
        #expect(statements.count == 3)
        #expect(statements.first == "CREATE TABLE a (x int);")
        #expect(statements.dropFirst().first?.hasSuffix("END;\n$$;") == true)
        #expect(statements.last?.hasPrefix("CREATE TRIGGER t") == true)
    }
}

/// The URLs a county is opened with, as libpq spells them. Needs no PostgreSQL.
/// The county's cache of folds is bounded by the events its folds hold as well as by their count: a fold's memory grows
/// with its village's log. The least recently used goes first, never the one just kept. Needs no PostgreSQL.
@Suite struct CountyFoldCache {
    static func fold(_ seq: Int64) -> Fold {
        var fold = Fold()
        fold.seq = seq
        return fold
    }

    @Test func theFoldsKeptHoldNoMoreEventsThanTheBudget() {
        let cache = FoldCache(capacity: 10, events: 1_000)
        cache.publish(Self.fold(400), of: "A")
        cache.publish(Self.fold(400), of: "B")
        #expect(cache.count == 2 && cache.heldEvents == 800)
        _ = cache.fold(of: "A")                          // A used after B: B is now the least recently used
        cache.publish(Self.fold(400), of: "C")          // 1,200 > 1,000: B goes
        #expect(cache.fold(of: "B") == nil && cache.fold(of: "A")?.seq == 400 && cache.fold(of: "C")?.seq == 400)
        #expect(cache.heldEvents == 800)
        cache.publish(Self.fold(700), of: "C")          // C caught up to 700: 1,100 > 1,000, A goes, not C
        #expect(cache.fold(of: "A") == nil && cache.fold(of: "C")?.seq == 700 && cache.count == 1 && cache.heldEvents == 700)
        cache.publish(Self.fold(650), of: "C")          // a fold behind the one kept changes nothing
        #expect(cache.fold(of: "C")?.seq == 700 && cache.heldEvents == 700)
        cache.publish(Self.fold(5_000), of: "D")        // larger than the whole budget: kept alone
        #expect(cache.fold(of: "D")?.seq == 5_000 && cache.count == 1 && cache.heldEvents == 5_000)
    }

    @Test func theFoldsKeptAreNoMoreThanTheCapacity() {
        let cache = FoldCache(capacity: 3, events: 1_000_000)
        for (index, village) in ["A", "B", "C", "D"].enumerated() { cache.publish(Self.fold(Int64(10 + index)), of: village) }
        #expect(cache.count == 3 && cache.fold(of: "A") == nil && cache.heldEvents == 11 + 12 + 13)
    }
}

@Suite struct CountyURLs {
    @Test func aURLNamesTheServerTheUserAndTheDatabase() throws {
        let tcp = try PostgresCounty.configuration(url: "postgres://clerk:secret@county.example:6543/jifen")
        #expect(tcp.host == "county.example" && tcp.port == 6543 && tcp.unixSocketPath == nil)
        #expect(tcp.username == "clerk" && tcp.password == "secret" && tcp.database == "jifen")
        let plain = try PostgresCounty.configuration(url: "postgresql://clerk@127.0.0.1/jifen")
        #expect(plain.port == 5432 && plain.password == nil)
        let socket = try PostgresCounty.configuration(url: "postgres://clerk@localhost:5433/jifen?host=/run/postgresql")
        #expect(socket.unixSocketPath == "/run/postgresql/.s.PGSQL.5433" && socket.host == nil)
    }

    @Test(arguments: ["", "county.example/jifen", "mysql://clerk@host/jifen", "postgres://host/jifen", "postgres://clerk@/jifen"])
    func aURLThatIsNotPostgreSQLsIsRefused(_ url: String) {
        #expect(throws: PostgresStoreError.badURL(url)) { try PostgresCounty.configuration(url: url) }
    }
}
