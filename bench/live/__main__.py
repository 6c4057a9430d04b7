"""python -m bench.live: live questions in meeting mode under load, on the product's real server.

200 meetings live at once, 400 socket clients (a rep and a colleague on call per meeting), each rep
asking a question every 5 seconds for 60 seconds and each colleague answering when it arrives; then
the same with 10 % of the clients dropping and reconnecting halfway. Prints the delivery latency
(p50, p99) question → on call and answer → rep, and the lost and duplicated messages.

Needs PostgreSQL (BENCH_DATABASE_URL, default a scratch database negprep_bench_live) and Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/9, used as channel layer, cache and broker).
"""

import argparse
import asyncio
import os
import signal
import sys

from bench.common import ROOT, load_average
from bench.live.clients import measure, percentile
from bench.live.seeding import seed, setup_django
from bench.live.server import BenchError, uvicorn


def _arguments():
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a rep's questions")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/negprep_bench_live"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    return parser.parse_args()


def _row(name: str, stats) -> str:
    asked, answered = stats.sent("q:"), stats.sent("a:")
    lost = len(asked - set(stats.questions_received)) + len(answered - set(stats.answers_received))
    duplicated = sum(count - 1 for count in stats.questions_received.values() if count > 1) + sum(
        count - 1 for count in stats.answers_received.values() if count > 1
    )
    ms = [
        percentile(values, share) * 1000
        for values in (stats.question_latency, stats.answer_latency)
        for share in (0.5, 0.99)
    ]
    errors = sum(stats.errors.values())
    figures = f"{len(asked):>9} {len(answered):>8} " + " ".join(
        f"{value:>{width}.0f}" for value, width in zip(ms, (10, 8, 10, 8), strict=True)
    )
    counts = (
        f"{lost:>5} {duplicated:>6} {stats.duplicate_frames:>11} {stats.gaps:>5}"
        f" {stats.reconnects:>10} {errors:>6}"
    )
    return f"{name:<16} {figures} {counts}"


def main():
    args = _arguments()
    setup_django(args.database_url, args.redis_url)
    print(
        f"bench-live: {args.meetings} meetings, {2 * args.meetings} socket clients, a question every "
        f"{args.every:g} s for {args.seconds:g} s; uvicorn with {args.workers} workers, PostgreSQL, "
        f"the Redis channel layer; {os.cpu_count()} cores, load average {load_average()}"
    )
    header = (
        f"{'run':<16} {'questions':>9} {'answers':>8} {'q→on-call':>10} {'':>8} {'answer→rep':>10} {'':>8}"
        f" {'lost':>5} {'dupl.':>6} {'dup. frames':>11} {'gaps':>5} {'reconnects':>10} {'errors':>6}\n"
        f"{'':<16} {'':>9} {'':>8} {'p50 ms':>10} {'p99 ms':>8} {'p50 ms':>10} {'p99 ms':>8}"
    )
    print(header)
    log = ROOT / "var" / "bench-live-server.log"
    log.parent.mkdir(exist_ok=True)
    errors = {}
    for name, drop_share in (("steady", 0.0), ("10 % reconnect", 0.1)):
        seats = seed(args.meetings)
        with uvicorn(workers=args.workers, log_path=log) as port:
            stats = asyncio.run(
                measure(
                    port=port,
                    seats=seats,
                    seconds=args.seconds,
                    every=args.every,
                    drop_share=drop_share,
                    drain=60,
                )
            )
        print(_row(name, stats), flush=True)
        errors.update(stats.errors)
    print(f"load average after: {load_average()}")
    for message, count in errors.items():
        print(f"  error ×{count}: {message}")
    print(
        "lost: asked (or answered) but never delivered; dupl.: delivered twice to the client after its "
        "sequence check; dup. frames: frames the client dropped as already seen (resync overlap); gaps: "
        "numbers skipped on the socket (a broadcast the channel layer dropped), each read again."
    )


def _stop_on_term(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_term)  # stops the server too (its context manager)
    try:
        main()
    except BenchError as error:
        sys.exit(f"bench-live: {error}")
    except KeyboardInterrupt:
        sys.exit("bench-live: interrupted; uvicorn stopped.")
