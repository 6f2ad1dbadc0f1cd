/* SQLite's own cost of appending a ledger's events one row at a time: every row of SOURCE's event log, in order,
   inserted into an empty copy of the log's table (its CHECKs and indexes, and its append-only triggers unless `bare`
   is given) through one prepared statement, bound and stepped once a row, all in one transaction. No decisions, no
   hashing, no projections: the row statement that an append path deciding each event before writing it cannot do
   without, where the import floors of scripts/bench-suite copy the rows with one INSERT … SELECT.

   Usage: sqlite-append-floor SOURCE TARGET [bare]
   TARGET must not exist. The rows are read into memory 10,000 at a time, untimed, and then appended; the appends,
   the transaction's BEGIN and its COMMIT are timed, and printed as "appended ROWS rows in SECONDS s".
   scripts/bench-suite compiles this with the system's C compiler against libsqlite3 (the SQLite every jifen build
   links) and runs it beside the import. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "sqlite-append-floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    return 2;
}

/* Seconds since an arbitrary start, for timing the appends alone. */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

enum { chunk = 10000 };   /* rows read into memory before they are appended, so that only the appends are timed */

/* The timed part: each row held bound to the statement and stepped. 0 if one is refused. */
static int append(sqlite3_stmt *insert, sqlite3_value **values, size_t rows, int columns) {
    for (size_t r = 0; r < rows; r++) {
        for (int c = 0; c < columns; c++) sqlite3_bind_value(insert, c + 1, values[r * (size_t)columns + (size_t)c]);
        if (sqlite3_step(insert) != SQLITE_DONE) return 0;
        sqlite3_reset(insert);
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3 || (argc == 4 && strcmp(argv[3], "bare") != 0) || argc > 4) {
        fprintf(stderr, "usage: sqlite-append-floor SOURCE TARGET [bare]\n");
        return 64;
    }
    int bare = argc == 4;
    if (access(argv[2], F_OK) == 0) { fprintf(stderr, "sqlite-append-floor: %s exists; name a new file\n", argv[2]); return 2; }
    sqlite3 *source = 0, *db = 0;
    sqlite3_stmt *s = 0;
    if (sqlite3_open_v2(argv[1], &source, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, 0) != SQLITE_OK) return fail(source, "source");
    if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, 0) != SQLITE_OK) return fail(db, "target");
    /* As jifen opens a ledger to write it (EventStore): WAL, every commit synced, a 32 MiB page cache, statement
       journals in memory. */
    if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768; "
                         "PRAGMA temp_store = MEMORY", 0, 0, 0) != SQLITE_OK)
        return fail(db, "pragmas");
    /* The log's table, its indexes and triggers, and the rule texts its scores name, as SOURCE has them (stored
       format 2's event_log; format 1's events table has no rule_texts). */
    const char *log = "event_log";
    if (sqlite3_prepare_v2(source, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_log'", -1, &s, 0)) return fail(source, "schema");
    int found = sqlite3_step(s);
    if (found != SQLITE_ROW && found != SQLITE_DONE) return fail(source, "schema");
    if (found == SQLITE_DONE) log = "events";
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(source, "SELECT sql, type FROM sqlite_master WHERE tbl_name IN (?1, 'rule_texts') AND sql IS NOT NULL "
                           "AND type IN ('table', 'index', 'trigger') ORDER BY type = 'trigger', type = 'index'", -1, &s, 0)) return fail(source, "schema");
    sqlite3_bind_text(s, 1, log, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *sql = (const char *)sqlite3_column_text(s, 0), *type = (const char *)sqlite3_column_text(s, 1);
        if (bare && strcmp(type, "trigger") == 0) continue;
        if (sqlite3_exec(db, sql, 0, 0, 0) != SQLITE_OK) return fail(db, "schema");
    }
    if (step != SQLITE_DONE) return fail(source, "schema");
    sqlite3_finalize(s);
    if (strcmp(log, "event_log") == 0) {
        char *attach = sqlite3_mprintf("ATTACH %Q AS source; INSERT INTO main.rule_texts SELECT * FROM source.rule_texts; DETACH source", argv[1]);
        if (!attach || sqlite3_exec(db, attach, 0, 0, 0) != SQLITE_OK) return fail(db, "rule texts");
        sqlite3_free(attach);
    }
    /* The rows are read a chunk at a time into memory, then appended: only the appends (and the commit) are timed. */
    char *read = sqlite3_mprintf("SELECT * FROM %s ORDER BY seq", log);
    if (!read || sqlite3_prepare_v2(source, read, -1, &s, 0)) return fail(source, "read");
    sqlite3_free(read);
    int columns = sqlite3_column_count(s);
    char *sql = malloc(64 + 3 * (size_t)columns + strlen(log));
    sqlite3_value **values = malloc(sizeof *values * chunk * (size_t)columns);
    if (!sql || !values) return fail(0, "memory");
    sprintf(sql, "INSERT INTO %s VALUES (", log);
    for (int c = 0; c < columns; c++) strcat(sql, c ? ", ?" : "?");
    strcat(sql, ")");
    sqlite3_stmt *insert = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &insert, 0)) return fail(db, "prepare");
    double seconds = 0, started = now();
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) != SQLITE_OK) return fail(db, "begin");
    seconds += now() - started;
    size_t rows = 0;
    for (int more = 1; more;) {
        size_t held = 0;
        while (held < chunk) {
            int read = sqlite3_step(s);
            if (read == SQLITE_DONE) { more = 0; break; }
            if (read != SQLITE_ROW) return fail(source, "read");
            for (int c = 0; c < columns; c++) {
                values[held * (size_t)columns + (size_t)c] = sqlite3_value_dup(sqlite3_column_value(s, c));
                if (!values[held * (size_t)columns + (size_t)c]) return fail(0, "memory");
            }
            held++;
        }
        started = now();
        if (!append(insert, values, held, columns)) return fail(db, "insert");
        seconds += now() - started;
        for (size_t v = 0; v < held * (size_t)columns; v++) sqlite3_value_free(values[v]);
        rows += held;
    }
    sqlite3_finalize(s);
    started = now();
    if (sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK) return fail(db, "commit");
    seconds += now() - started;
    printf("appended %zu rows in %.6f s\n", rows, seconds);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    sqlite3_close(source);
    return 0;
}
