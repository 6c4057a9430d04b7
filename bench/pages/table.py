"""The table of results: each page at scale beside the same page on the demo data."""


def _kb(size) -> str:
    return f"{size / 1024:.1f}"


def _share(value) -> str:
    if value < 0.01:
        return f"{value:.2%}"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


def _ms(value) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def table(big, demo) -> str:
    rows = [
        "| page | queries | HTML KB | gzip KB | req/s | of floor | p50 ms | p99 ms "
        "| demo req/s | demo of floor | demo p99 ms | cost vs demo |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    failed = []
    for name, page in big["pages"].items():
        other = demo["pages"][name]
        run, other_run = page["run"], other["run"]
        queries = str(page["queries"])
        if other["queries"] != page["queries"]:
            queries += f" (demo {other['queries']})"
        # A request's cost relative to the floor beside it, at 100k deals over on the demo data.
        cost = other["floor_share"] / page["floor_share"] if page["floor_share"] else float("inf")
        mark = ""
        for label, measured in (("at scale", run), ("demo data", other_run)):
            if measured.failures:
                mark = " ⚠"
                failed.append(f"{name} ({label}): {measured.failures} of {measured.requests} requests failed")
        rows.append(
            f"| {name}{mark} | {queries} | {_kb(page['raw'])} | {_kb(page['gzip'])} "
            f"| {run.requests_per_second:.1f} | {_share(page['floor_share'])} "
            f"| {_ms(run.p50_ms)} | {_ms(run.p99_ms)} "
            f"| {other_run.requests_per_second:.1f} | {_share(other['floor_share'])} "
            f"| {_ms(other_run.p99_ms)} "
            f"| {cost:.2f}× |"
        )
    rows.append("")
    for label, measured in ((f"{big['deals']:,} deals", big), ("demo data", demo)):
        floors = measured["floor_runs"]
        rates = [f.requests_per_second for f in floors]
        rows.append(
            f"floor ({label}, {len(floors)} runs): {min(rates):.0f}–{max(rates):.0f} req/s, "
            f"p99 {min(f.p99_ms for f in floors):.1f}–{max(f.p99_ms for f in floors):.1f} ms, "
            f"{measured['floor']['queries']} query"
        )
    if failed:
        rows.append("\n⚠ failed requests (timeouts, errors or non-2xx answers):\n  " + "\n  ".join(failed))
    return "\n".join(rows)
