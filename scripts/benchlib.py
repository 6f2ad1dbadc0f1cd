"""What scripts/compare-builds and scripts/bench-suite share: timing whole processes (wall time and peak memory),
generating the benchmark ledger, the operations they time on it, and the sqlite3 floor.

Imported, not run: `sys.path` gets this folder from the script beside it.
"""
import json, os, statistics, subprocess, tempfile, time

SEED = 7

# The floor: the sqlite3 tool summing points per household straight from the events table. What rebuild must at
# least do (read every event's household and points), with no chain, no fold and no writes.
FLOOR_SQL = ("SELECT household, sum(earned - deducted - redeemed) FROM events "
             "WHERE household IS NOT NULL GROUP BY household")


class Failed(Exception):
    """A timed program exited with a status other than 0; the message carries its standard error."""


class Timed:
    """One run of a program: wall seconds and peak resident memory in MB (the child's ru_maxrss)."""

    def __init__(self, seconds, megabytes):
        self.seconds, self.megabytes = seconds, megabytes


TIME = "/usr/bin/time"  # GNU time (Debian's `time`), for each program's own peak memory


def run(argv, cwd, out=None):
    """Runs argv once as a whole process and times it: wall time from start to exit, and peak memory.

    The peak is the program's ru_maxrss as GNU time reports it: this process's own wait4 would report at least
    Python's (the child's memory before exec counts), ~14 MB. Without /usr/bin/time it is wait4's, an upper
    bound. GNU time adds about 0.7 ms to every program's wall time here (1.4 ms for /bin/true instead of 0.6):
    the same for all, and taken out where a command is shown beyond process start. Standard output goes to the file `out` (or nowhere), standard error to a scratch file that is quoted
    when the program fails. Raises Failed on a non-zero exit."""
    with open(out or os.devnull, "wb") as stdout, tempfile.TemporaryFile() as stderr, \
            tempfile.NamedTemporaryFile(mode="r", prefix="jifen-rss-") as peak:
        timed = [TIME, "-f", "%M", "-o", peak.name] + argv if os.access(TIME, os.X_OK) else argv
        started = time.perf_counter()
        process = subprocess.Popen(timed, cwd=cwd, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            text = stderr.read().decode(errors="replace").strip()
            raise Failed(f"{' '.join(argv)} exited with {process.returncode}: {text[-2000:]}")
        kilobytes = usage.ru_maxrss  # KB on Linux
        if timed is not argv:
            figures = [line.strip() for line in peak.read().splitlines() if line.strip().isdigit()]
            kilobytes = int(figures[-1]) if figures else kilobytes
    return Timed(seconds, kilobytes / 1024)


def generate(binary, path, households, years, cwd, seed=SEED):
    """`jifen bench generate` into path (removed first), timed: the decide-and-append path. Returns (summary, Timed),
    the summary being the generator's JSON (events, head, …)."""
    if os.path.exists(path):
        os.remove(path)
    out = path + ".generate.json"
    timed = run([binary, "bench", "generate", "--ledger", path, "--households", str(households), "--years", str(years),
                 "--seed", str(seed), "--json"], cwd, out=out)
    with open(out, encoding="utf-8") as file:
        summary = json.load(file)
    os.remove(out)
    return summary, timed


def household(i, households):
    """The generator's code of household number i (wrapping): H001…, four digits and more for larger villages."""
    digits = max(3, len(str(households)))
    return "H" + str(i % households + 1).zfill(digits)


def balance_argv(binary, ledger, i, households):
    return [binary, "--ledger", ledger, "balance", household(i * 97, households), "--json"]


def record_argv(binary, ledger, i, households, years):
    """One score, as a clerk records it: the last day of the generated history, `--again` because the same
    household may already have that rule that day."""
    return [binary, "--ledger", ledger, "record", household(i * 89, households), "D2.3",
            "--date", f"{2020 + years - 1}-12-31", "--by", "王会计", "--again"]


def floor_argv(ledger):
    return ["sqlite3", ledger, FLOOR_SQL]


def median(samples):
    return statistics.median(samples)


def shown(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def rate(events, seconds):
    per_second = events / seconds
    return f"{per_second / 1e6:.2f} M/s" if per_second >= 1e6 else f"{per_second / 1e3:.0f} k/s"
