"""Benchmark: the pages over HTTP under gunicorn, next to a bare Flask "hello" served the same way.

Builds a fresh instance folder and database (`flask db upgrade` + `flask seed-demo`, plus one
member who logs in through the real form and takes a seat), serves the app and
`bench/hello_app.py` each with gunicorn (5 sync workers, one thread, no access log) and runs
`wrk -t2 -c20 -d10s --latency` against: hello, the home page, a session page (the upcoming
session with the longest Markdown description), the calendar feed, the same session page
signed in, and conditional GETs that should answer 304. Three alternating rounds (hello, then
every page); each page's ratio is taken to hello's rate in the same round, and the medians of
the rounds are reported. Every wrk run is checked for non-2xx/3xx answers and socket errors.

    .venv/bin/python bench/http_pages.py [--quick] [--database URL] [--json]

`--database postgresql+psycopg://...` DROPS and recreates that database. `--quick`: one
round of 3 s, for a smoke check.
"""
import argparse
import json
import os
import re
import statistics
import subprocess  # nosec B404  # wrk is the measuring tool
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
import serving  # noqa: E402

USER_AGENT = "community-bench/1.0"
MEMBER_EMAIL = "bench.member@example.com"
MEMBER_PASSWORD = "Seventeen quiet lanterns over Utrecht"  # nosec B105  # a throwaway bench account
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Goals of the issue: a page's rate as a share of hello's, and the 99th percentile latency.
ANONYMOUS_GOAL, SIGNED_IN_GOAL, NOT_MODIFIED_GOAL, P99_GOAL_MS = 0.5, 0.25, 0.8, 50.0


@dataclass
class Endpoint:
    """One thing wrk is pointed at."""

    name: str
    path: str
    goal: float | None
    headers: dict = field(default_factory=dict)
    #: Why it is not measured (e.g. the page gives no ETag yet), or None.
    skipped: str | None = None


@dataclass
class Run:
    """What one wrk run reported."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_status: int
    socket_errors: int
    #: Bytes read per answer (headers and body): shows at a glance a page that became a redirect.
    bytes_per_answer: float = 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    """wrk's '1.23ms' / '812.00us' / '1.02s' as milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Run:
    """Read the rate, percentiles and error counts out of wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    scale = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}
    size = float(read.group(1)) * scale[read.group(2)] if read else 0
    return Run(rps, p50, p99, total, int(bad.group(1)) if bad else 0,
               sum(int(n) for n in sock.groups()) if sock else 0, size / max(total, 1))


def wrk(url: str, seconds: int, connections: int, headers: dict) -> tuple[Run, str]:
    """Run wrk once against `url`; its parsed report and raw text."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-H", f"User-Agent: {USER_AGENT}"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=True,  # nosec B603
                          timeout=seconds + 60)
    return parse_wrk(done.stdout), done.stdout


def build_instance(tmp: Path, database: str | None) -> tuple[str, dict]:
    """A fresh instance folder and database with the demo community; the app target and env."""
    instance = tmp / "instance"
    instance.mkdir()
    if database:
        serving.recreate_database(database)
    env = {**os.environ, "SECRET_KEY": "bench-http-secret",  # nosec B105  # a throwaway instance "QUEUE_URL": str(tmp / "queue.sqlite"),
           "DATABASE_URL": database or f"sqlite:///{tmp / 'community.sqlite'}",
           "BASE_URL": "http://127.0.0.1:5000", "TRUSTED_PROXIES": "0"}
    for name in ("MAIL_SERVER", "WEB_CONCURRENCY"):
        env.pop(name, None)
    target = serving.app_target(instance)
    serving.flask_cli(target, "db", "upgrade", env=env)
    serving.flask_cli(target, "seed-demo", env=env)
    serving.flask_cli(target, "users", "create", MEMBER_EMAIL, "--name", "Bench Member", "--role",
                      "member", "--password", MEMBER_PASSWORD, env=env)
    return target, env


def longest_upcoming_session(database_url: str) -> tuple[int, str]:
    """(id, slug) of the published upcoming session with the longest description."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, slug, description, starts_at FROM sessions "
                                 "WHERE status = 'published'")).all()
    engine.dispose()
    now = datetime.now(UTC)

    def upcoming(start) -> bool:
        start = datetime.fromisoformat(start) if isinstance(start, str) else start
        return (start if start.tzinfo else start.replace(tzinfo=UTC)) > now

    best = max((r for r in rows if upcoming(r.starts_at)), key=lambda r: len(r.description))
    return best.id, best.slug


def _csrf(page: requests.Response) -> str:
    """The form's CSRF token in a page."""
    found = CSRF.search(page.text)
    if not found:
        raise SystemExit(f"no csrf_token in {page.url} ({page.status_code})")
    return found.group(1)


def sign_in(base: str, session_path: str, session_id: int) -> requests.Session:
    """Log the bench member in through the real form and take a seat; the browser-like client."""
    client = requests.Session()
    client.headers["User-Agent"] = USER_AGENT
    answer = client.post(f"{base}/login", allow_redirects=False, data={
        "email": MEMBER_EMAIL, "password": MEMBER_PASSWORD, "csrf_token": _csrf(client.get(f"{base}/login"))})
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"log-in failed: {answer.status_code}\n{answer.text[:2000]}")
    page = client.get(f"{base}{session_path}")
    answer = client.post(f"{base}/sessions/{session_id}/signup", allow_redirects=False,
                         data={"csrf_token": _csrf(page)})
    if answer.status_code != 302:
        raise SystemExit(f"sign-up failed: {answer.status_code}\n{answer.text[:2000]}")
    page = client.get(f"{base}{session_path}", allow_redirects=False)
    if page.status_code != 200 or "Log out" not in page.text:
        raise SystemExit(f"the signed-in session page is not signed in ({page.status_code})")
    return client


def browser_cookie(member: requests.Session, base: str, page: str) -> str:
    """The member's Cookie header as their browser holds it now: the app renews the session
    cookie once it is a minute old (`core.session_cookie`) and a browser keeps the new one, while
    wrk sends one cookie for a whole run; so the page is fetched first, taking any renewal."""
    member.get(f"{base}{page}", allow_redirects=False, timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in member.cookies)


def conditional(base: str, name: str, path: str, headers: dict) -> Endpoint:
    """A 304 row for `path`: If-None-Match with the ETag the page gave, if it answers 304."""
    first = requests.get(f"{base}{path}", headers={"User-Agent": USER_AGENT, **headers},
                         allow_redirects=False, timeout=30)
    etag = first.headers.get("ETag")
    endpoint = Endpoint(f"304 {name}", path, NOT_MODIFIED_GOAL, {**headers, "If-None-Match": etag or ""})
    if first.status_code != 200:
        raise SystemExit(f"{path} answered {first.status_code}")
    if not etag:
        endpoint.skipped = "not supported yet (no ETag)"
        return endpoint
    second = requests.get(f"{base}{path}", headers={"User-Agent": USER_AGENT, **endpoint.headers},
                          allow_redirects=False, timeout=30)
    if second.status_code != 304:
        endpoint.skipped = f"not supported yet (answered {second.status_code} to its own ETag)"
    return endpoint


def measure(args, procs: serving.Processes, tmp: Path) -> tuple[list[dict], str]:
    """Serve both apps, run the rounds; the result rows and the page description."""
    target, env = build_instance(tmp, args.database)
    app_port, hello_port = serving.free_port(), serving.free_port()
    serving.gunicorn(procs, target, app_port, env=env, log=tmp / "app.log")
    serving.gunicorn(procs, "bench.hello_app:app", hello_port, env=env, log=tmp / "hello.log")
    base, hello_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hello_port}/"

    session_id, slug = longest_upcoming_session(env["DATABASE_URL"])
    page = f"/sessions/{session_id}-{slug}"
    member = sign_in(base, page, session_id)
    signed_in = {"Cookie": browser_cookie(member, base, page)}
    endpoints = [
        Endpoint("home page /", "/", ANONYMOUS_GOAL),
        Endpoint("session page", page, ANONYMOUS_GOAL),
        Endpoint("calendar feed /calendar.ics", "/calendar.ics", ANONYMOUS_GOAL),
        Endpoint("session page, signed in", page, SIGNED_IN_GOAL, signed_in),
        conditional(base, "home page /", "/", {}),
        conditional(base, "session page", page, {}),
        conditional(base, "calendar feed", "/calendar.ics", {}),
        conditional(base, "session page, signed in", page, signed_in),
    ]
    for endpoint in endpoints:  # every page answers 200/304 before it is measured
        if endpoint.skipped:
            continue
        check = requests.get(f"{base}{endpoint.path}", allow_redirects=False, timeout=30,
                             headers={"User-Agent": USER_AGENT, **endpoint.headers})
        if check.status_code not in (200, 304):
            raise SystemExit(f"{endpoint.name}: {endpoint.path} answered {check.status_code}")
    for url in [hello_url] + [f"{base}{e.path}" for e in endpoints[:4]]:  # warm every worker up
        wrk(url, 1, args.connections, signed_in if url.endswith(page) else {})

    rounds: dict[str, list[tuple[Run, float]]] = {e.name: [] for e in endpoints}
    hello_runs: list[Run] = []
    problems: list[str] = []
    for number in range(1, args.rounds + 1):
        hello, text = wrk(hello_url, args.seconds, args.connections, {})
        hello_runs.append(hello)
        if hello.bad_status or hello.socket_errors:
            problems.append(f"round {number} hello: {hello.bad_status} bad answers, "
                            f"{hello.socket_errors} socket errors")
        for endpoint in endpoints:
            if endpoint.skipped:
                continue
            headers = endpoint.headers
            if "Cookie" in headers:  # the member's browser holds the cookie last renewed
                headers = {**headers, "Cookie": browser_cookie(member, base, page)}
            run, text = wrk(f"{base}{endpoint.path}", args.seconds, args.connections, headers)
            rounds[endpoint.name].append((run, run.rps / hello.rps))
            if run.bad_status or run.socket_errors:
                problems.append(f"round {number} {endpoint.name}: {run.bad_status} non-2xx/3xx of "
                                f"{run.requests}, {run.socket_errors} socket errors")
            print(f"  round {number}: {endpoint.name}: {run.rps:.0f} req/s "
                  f"(hello {hello.rps:.0f}), p99 {run.p99_ms:.1f} ms", file=sys.stderr)

    hello_rps = statistics.median(r.rps for r in hello_runs)
    database = "PostgreSQL" if args.database else "SQLite"
    results = [{
        "name": f"HTTP hello (yardstick, {database} run)", "value": round(hello_rps, 1), "unit": "req/s",
        "yardstick": None, "yardstick_name": "", "ratio": None, "target": None,
        "p99_ms": statistics.median(r.p99_ms for r in hello_runs), "p99_goal_ms": None,
        "detail": f"p50 {statistics.median(r.p50_ms for r in hello_runs):.1f} ms, "
                  f"p99 {statistics.median(r.p99_ms for r in hello_runs):.1f} ms",
    }]
    for endpoint in endpoints:
        name = f"HTTP {endpoint.name} ({database})"
        if endpoint.skipped:
            results.append({"name": name, "value": None, "unit": "req/s", "yardstick": None,
                            "yardstick_name": "Flask hello, same gunicorn", "ratio": None,
                            "target": endpoint.goal, "detail": endpoint.skipped})
            continue
        runs = rounds[endpoint.name]
        p50 = statistics.median(r.p50_ms for r, _ in runs)
        p99 = statistics.median(r.p99_ms for r, _ in runs)
        bad = sum(r.bad_status + r.socket_errors for r, _ in runs)
        results.append({
            "name": name, "value": round(statistics.median(r.rps for r, _ in runs), 1), "unit": "req/s",
            "yardstick": round(hello_rps, 1), "yardstick_name": "Flask hello, same gunicorn",
            "ratio": round(statistics.median(ratio for _, ratio in runs), 3), "target": endpoint.goal,
            "p99_ms": round(p99, 2), "p99_goal_ms": P99_GOAL_MS,
            "detail": f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {runs[0][0].bytes_per_answer / 1024:.1f} KiB "
                      f"an answer" + (f"; {bad} ERRORS" if bad else ""),
            "errors": bad,
        })
    described = (f"{database}, gunicorn 5 sync workers, wrk -t2 -c{args.connections} -d{args.seconds}s, "
                 f"{args.rounds} round(s); session page {page}")
    if problems:
        print("PROBLEMS (a benchmark of error pages is worthless):\n  " + "\n  ".join(problems),
              file=sys.stderr)
        for log in ("app.log", "hello.log"):
            print((tmp / log).read_text(errors="replace")[-3000:], file=sys.stderr)
    return results, described


def table(results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = ["| what | req/s | ratio to hello | goal | p50 / p99 | met? |", "|---|---:|---:|---:|---|---|"]
    for r in results:
        if r["value"] is None:
            lines.append(f"| {r['name']} | | | {r['target']} | {r['detail']} | no result |")
            continue
        if r["ratio"] is None:
            lines.append(f"| {r['name']} | {r['value']:.0f} | 1 | | {r['detail']} | |")
            continue
        met = r["ratio"] >= r["target"] and r["p99_ms"] < r["p99_goal_ms"] and not r.get("errors")
        lines.append(f"| {r['name']} | {r['value']:.0f} | {r['ratio']:.2f} | ≥ {r['target']}, p99 < "
                     f"{r['p99_goal_ms']:.0f} ms | {r['detail']} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


def main() -> int:
    """Parse the options, measure, print the table (and the JSON line with --json)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="PostgreSQL URL of a scratch database (dropped and recreated)")
    parser.add_argument("--quick", action="store_true", help="one round of 3 s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the results object as the last line")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 3

    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    with serving.Processes() as procs:
        try:
            results, described = measure(args, procs, tmp)
        except KeyboardInterrupt:
            print("interrupted; servers stopped", file=sys.stderr)
            return 130
    print(serving.describe(serving.machine(args.database)))
    print(described)
    print()
    print(table(results))
    if args.json:
        print(json.dumps({"results": results}))
    return 1 if any(r.get("errors") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
