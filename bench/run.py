"""`make bench`: run every benchmark with `--json` and print one table of targets and ratios.

Runs bench/http_pages.py (SQLite), delivery.py, move_session.py and polls.py (on SQLite, and
on PostgreSQL when it answers, each in a scratch database of its own that is dropped and
created again), and, when PostgreSQL and Redis answer, move_session.py once more with two
`flask worker` processes on a Redis queue, and rush.py. Each script prints its results
object as the last line of its output; a script that prints none, fails or runs out of time
is reported as "no result" and the run goes on. The table is printed and written to
bench/results/latest.md (with every script's output beside it in bench/results/).

    .venv/bin/python bench/run.py [--quick] [--only NAME ...]

`--quick` runs each script small and short (a smoke check in about two minutes).
"""
import argparse
import json
import subprocess  # nosec B404  # the runner starts the benchmark scripts
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import serving  # noqa: E402

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
REDIS = "redis://127.0.0.1:6379/11"


def jobs(quick: bool, postgres: bool, redis: bool) -> list[tuple[str, list[str], int, str | None]]:
    """(label, arguments, time limit in seconds, scratch PostgreSQL database or None) per run."""
    small = {
        "delivery": ["--messages", "200"] if quick else [],
        "move_session": ["--attendees", "200"] if quick else [],
        "polls": ["--answers", "500"] if quick else [],
    }
    found = [("http_pages (SQLite)", ["http_pages.py", *(["--quick"] if quick else [])], 600, None)]
    for script in ("delivery", "move_session", "polls"):
        found.append((f"{script} (SQLite)", [f"{script}.py", *small[script]], 300, None))
        if postgres:
            name = f"bench_{script}"
            found.append((f"{script} (PostgreSQL)", [f"{script}.py", *small[script], "--database",
                                                      POSTGRES.format(name=name)], 300, name))
    if postgres and redis:
        found.append(("move_session (PostgreSQL, Redis, 2 worker processes)",
                      ["move_session.py", *small["move_session"], "--processes", "2", "--workers", "2",
                       "--database", POSTGRES.format(name="bench_move_session"), "--redis", REDIS],
                      300, "bench_move_session"))
        size = ["--members", "200", "--seats", "20"] if quick else []
        found.append(("rush (PostgreSQL, Redis)", ["rush.py", *size, "--database",
                                                    POSTGRES.format(name="bench_rush"), "--redis", REDIS],
                      420, None))
    return found


def last_json(stdout: str) -> list[dict] | None:
    """The results of a script's last stdout line, or None when it is not a results object."""
    lines = stdout.strip().splitlines()
    try:
        results = json.loads(lines[-1])["results"] if lines else None
    except (ValueError, KeyError, TypeError):
        return None
    return results if isinstance(results, list) else None


def run_one(label: str, args: list[str], limit: int,
            scratch: str | None) -> tuple[list[dict] | None, str, float]:
    """Run one script; (its results or None, why there are none, seconds)."""
    if scratch:
        serving.recreate_database(POSTGRES.format(name=scratch))
    log = RESULTS / (label.split()[0] + ("-pg" if "PostgreSQL" in label else "") + ".log")
    started = time.perf_counter()
    try:
        done = subprocess.run(  # nosec B603  # our own scripts, no shell
            [sys.executable, str(BENCH / args[0]), *args[1:], "--json"],
            cwd=BENCH.parent, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired as exc:
        log.write_text(f"timed out after {limit} s\n{exc.stdout or ''}\n{exc.stderr or ''}")
        return None, f"timed out after {limit} s", time.perf_counter() - started
    seconds = time.perf_counter() - started
    log.write_text(f"$ {' '.join(args)} --json\nexit {done.returncode}\n\n{done.stdout}\n"
                   f"--- stderr\n{done.stderr}")
    results = last_json(done.stdout)
    if results is None:
        why = "no JSON line" if done.returncode in (0, 2) else f"exit {done.returncode}, no JSON line"
        if "unrecognized arguments: --json" in done.stderr:
            why = "script does not support --json yet"
        return None, why, seconds
    return results, "", seconds


def _number(value, unit: str = "") -> str:
    """A figure for the table."""
    if value is None:
        return ""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def met(result: dict) -> str:
    """yes / no against the goal (the ratio, and a p99 latency where one is given); '' without one."""
    if result.get("value") is None:
        return "no result"
    if result.get("target") is None and result.get("p99_goal_ms") is None:
        return ""
    ok = result.get("ratio") is not None and result["ratio"] >= result["target"]
    if result.get("p99_goal_ms") is not None:
        ok = ok and result.get("p99_ms") is not None and result["p99_ms"] < result["p99_goal_ms"]
    if result.get("errors"):
        ok = False
    return "yes" if ok else "**no**"


def goal(result: dict) -> str:
    """The goal as written in the issue."""
    parts = []
    if result.get("target") is not None:
        parts.append(f"≥ {result['target']:g}")
    if result.get("p99_goal_ms") is not None:
        parts.append(f"p99 < {result['p99_goal_ms']:g} ms")
    return ", ".join(parts)


def table(rows: list[tuple[str, dict | None, str]]) -> str:
    """The one table: target | measured | yardstick | ratio | goal | met? | notes."""
    lines = ["| target | measured | yardstick | ratio | goal | met? | notes |",
             "|---|---:|---|---:|---|---|---|"]
    for label, result, why in rows:
        if result is None:
            lines.append(f"| {label} | | | | | no result | {why} |")
            continue
        name = result.get("name") or label
        database = "postgresql" if "PostgreSQL" in label else "sqlite"
        if database not in name.lower() and not name.startswith("rush"):
            name = f"{name} [{label}]"
        yardstick = ""
        if result.get("yardstick") is not None:
            yardstick = f"{_number(result['yardstick'])} ({result.get('yardstick_name') or ''})"
        ratio = "" if result.get("ratio") is None else f"{result['ratio']:.2f}"
        lines.append(f"| {name} | {_number(result.get('value'), result.get('unit', ''))} | {yardstick} | "
                     f"{ratio} | {goal(result)} | {met(result)} | {result.get('detail', '')} |")
    return "\n".join(lines)


def main() -> int:
    """Run the scripts one after the other, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one short HTTP round")
    parser.add_argument("--only", nargs="*", help="run only the scripts whose label starts with these")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    info = serving.machine()
    postgres = info["postgresql"] is not None
    redis = serving.redis_answers(REDIS)
    started = datetime.now(UTC)
    header = [f"# Benchmarks, {started:%Y-%m-%d %H:%M} UTC{' (quick)' if args.quick else ''}", "",
              f"Machine: {serving.describe(info)}; Redis {'answering' if redis else 'not answering'}.", ""]
    print("\n".join(header), flush=True)

    rows: list[tuple[str, dict | None, str]] = []
    raw = {}
    for label, script_args, limit, scratch in jobs(args.quick, postgres, redis):
        if args.only and not any(label.startswith(o) for o in args.only):
            continue
        print(f"running {label} ...", end=" ", flush=True)
        try:
            results, why, seconds = run_one(label, script_args, limit, scratch)
        except KeyboardInterrupt:
            print("interrupted")
            return 130
        print(f"{seconds:.0f} s" + (f" ({why})" if why else ""), flush=True)
        raw[label] = results
        rows += [(label, r, "") for r in results] if results else [(label, None, why)]

    took = (datetime.now(UTC) - started).total_seconds()
    text = "\n".join([*header, table(rows), "",
                      f"Whole run: {took / 60:.1f} minutes. Ratios are measured / yardstick (higher is "
                      f"better); each script's output is in bench/results/*.log.", ""])
    (RESULTS / "latest.md").write_text(text)
    (RESULTS / "latest.json").write_text(json.dumps({"machine": info, "started": started.isoformat(),
                                                     "results": raw}, indent=1))
    print()
    print(table(rows))
    print(f"\nWhole run: {took / 60:.1f} minutes; written to {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
