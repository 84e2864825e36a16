"""Turns the workers' JSON into the report: correctness checks, medians, ratios and tables.

``compare`` checks one worker's result fingerprint against the NumPy reference,
``summarise`` reduces the rounds to medians per library and measure, and ``render`` prints
one table per workload, as aligned text or as Markdown.
"""

from __future__ import annotations

import statistics

from problems import WORKLOADS

DISTURBED = 0.25  # share of a core busy outside the harness that marks a worker run as disturbed


def compare(result: dict, want: list[dict]) -> str:
    """'ok', or what differs between a worker's check fingerprint and the reference."""
    if "error" in result or "check_error" in result:
        return "error: " + result.get("error", result.get("check_error", ""))
    if "skipped" in result:
        return "skipped"
    got = result.get("check")
    if got is None:
        return "not checked"
    if len(got) != len(want):
        return f"MISMATCH: {len(got)} results, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        label = "value" if i == 0 else f"gradient {i}"
        if g["shape"] != w["shape"] or g["dtype"] != w["dtype"]:
            return (f"MISMATCH: {label} is {g['dtype']}{g['shape']}, "
                    f"expected {w['dtype']}{w['shape']}")
        tol = (1e-3 if w["dtype"] == "float32" else 1e-6) * max(w["abs"], 1e-300)
        for field in ("sum", "abs", "weighted"):
            if not abs(g[field] - w[field]) <= tol:  # also catches NaN
                return f"MISMATCH: {label} {field} {g[field]:.9g}, expected {w[field]:.9g}"
    return "ok"


def _spread(values: list[float], median: float) -> float:
    return max(abs(v - median) for v in values) / median if median else 0.0


def _status(installed: bool, runs: list[dict]) -> str:
    if not installed:
        return "not installed"
    for field in ("skipped", "error"):
        if reason := next((r[field] for r in runs if field in r), None):
            return f"{field}: {reason}"
    return "ok"


def _measure(figures: list[dict]) -> dict:
    """Median over rounds of one measure (time, and memory for W4), or its error."""
    errors = [f["error"] for f in figures if "error" in f]
    if errors or not figures:
        return {"error": errors[0]} if errors else {}
    times = [f["per_call_s"] for f in figures]
    median = statistics.median(times)
    entry = {"median_s": median, "spread": _spread(times, median), "samples_s": times}
    if "first_s" in figures[0]:
        entry["first_call_s"] = statistics.median(f["first_s"] for f in figures)
    for field in ("trace_s", "lower_s", "native_s", "slowest_warm_s"):  # a compiled program's
        values = [f[field] for f in figures if f.get(field) is not None]
        if values:
            entry[field] = statistics.median(values)
    if "peak_growth_kib" in figures[0]:
        entry["peak_growth_kib"] = statistics.median(f["peak_growth_kib"] for f in figures)
        entry["memory_method"] = figures[0]["memory_method"]
    return entry


def summarise(keys, libs, present, results, reference, checks) -> dict:
    """Per workload and library: status, version, medians, spreads, ratios, check, notes.

    ``checks`` holds semigrad's up-front check per workload; peers are checked from the
    fingerprint of their first round.
    """
    summary = {}
    for key in keys:
        rows = {}
        for lib in libs:
            runs = results[key].get(lib, [])
            check = checks.get(key, "") if lib == "semigrad" else (
                compare(runs[0], reference[key]) if runs else "")
            rows[lib] = {
                "status": _status(present[lib], runs),
                "version": next((r["version"] for r in runs if "version" in r), ""),
                "check": check,
                "notes": runs[0].get("notes", []) if runs else [],
                "measures": {name: _measure([r["measures"][name] for r in runs
                                             if name in r.get("measures", {})])
                             for name in WORKLOADS[key].measures},
                "rounds": runs,
            }
        _add_ratios(rows)
        summary[key] = {"title": WORKLOADS[key].title, "libs": rows}
    return summary


def _add_ratios(rows: dict) -> None:
    """ratio = semigrad median / peer median (above 1: semigrad slower or bigger); semigrad-jit
    stands for semigrad in a run without it."""
    ours = "semigrad" if "semigrad" in rows else "semigrad-jit"
    base = rows.get(ours, {}).get("measures", {})
    for lib, row in rows.items():
        if lib == ours:
            continue
        for name, entry in row["measures"].items():
            ours = base.get(name, {})
            for field, ratio in (("median_s", "ratio"), ("peak_growth_kib", "memory_ratio")):
                if ours.get(field) and entry.get(field):
                    entry[ratio] = ours[field] / entry[field]


def fmt_time(s: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_ratio(r: float | None) -> str:
    return "" if r is None else f"{r:.2f}" if r < 10 else f"{r:.0f}"


def _cells(row: dict, workload) -> list[str]:
    cells = []
    for name in workload.measures:
        entry = row["measures"].get(name, {})
        if "median_s" in entry:
            cells += [f"{fmt_time(entry['median_s'])} ±{entry['spread']:.0%}",
                      fmt_ratio(entry.get("ratio"))]
        else:
            cells += [entry.get("error", row["status"]).split(":")[0], ""]
        if workload.memory:
            kib = entry.get("peak_growth_kib")
            cells += ["" if kib is None else f"{kib / 1024:.1f} MiB",
                      fmt_ratio(entry.get("memory_ratio"))]
    return cells


def _table(headers: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows, strict=True)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
    return [fmt(headers).rstrip(), fmt(["-" * w for w in widths])] + [
        fmt(r).rstrip() for r in rows]


def _notes(rows: dict) -> list[str]:
    notes = []
    for lib, row in rows.items():
        errors = [e["error"] for e in row["measures"].values() if "error" in e]
        if row["status"] != "ok":
            notes.append(f"{lib}: {row['status']}")
        notes += [f"{lib}: {e}" for e in errors]
        if row["check"] not in ("ok", "skipped", "", None) and not errors:
            notes.append(f"{lib} check: {row['check']}")
        for name, entry in row["measures"].items():
            if lib == "semigrad-jit" and entry.get("first_call_s"):
                notes.append(_first_calls(name, entry, rows))
            if lib == "jax-jit" and entry.get("first_call_s"):
                notes.append(f"jax-jit {name}: first call (trace + compile) "
                             f"{fmt_time(entry['first_call_s'])}, not in the timing")
            if "memory_method" in entry:
                notes.append(f"peak memory = growth of resident memory during the call: "
                             f"{entry['memory_method']}")
        notes += [f"{lib}: {n}" for n in row["notes"]]
    return list(dict.fromkeys(notes))  # in order, without repeats


def _first_calls(name: str, entry: dict, rows: dict) -> str:
    """semigrad-jit's first call (trace + lowering), the native tier's compilation beside it,
    and the ratio of that first call to jax-jit's."""
    text = (f"semigrad-jit {name}: first call {fmt_time(entry['first_call_s'])} (trace "
            f"{fmt_time(entry.get('trace_s', 0))}, lowering {fmt_time(entry.get('lower_s', 0))})")
    jax = rows.get("jax-jit", {}).get("measures", {}).get(name, {}).get("first_call_s")
    if jax:
        text += f", {entry['first_call_s'] / jax:.3f}x jax-jit's first call"
    if entry.get("native_s"):
        text += (f"; compiled to machine code in the background in "
                 f"{fmt_time(entry['native_s'])}"
                 + (f" ({entry['native_s'] / jax:.2f}x jax-jit's first call)" if jax else "")
                 + f", no call waiting for it (the slowest of the calls meanwhile "
                 f"{fmt_time(entry.get('slowest_warm_s', 0))})")
    return text + "; not in the timing"


def render(meta: dict, summary: dict, markdown: bool = False) -> str:
    m = meta["machine"]
    heading = (f"semigrad benchmarks ({'quick' if meta['quick'] else 'full'} run, "
               f"rounds: {meta['rounds']}, median per library)")
    facts = [
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; threads: "
        f"{meta['threads'] or 'as the environment sets them'}",
        f"load average before: {meta['loadavg_before']}; after: {meta['loadavg_after']} "
        f"(the run itself adds about 1)",
        f"CPU busy outside this harness during the run (other processes, kernel threads): "
        f"{meta['other_cpu_share']:.0%} of one core on average; wall time {meta['wall_s']:.0f} s",
        "ratio = semigrad / peer (semigrad-jit / peer in a run without semigrad): above 1 "
        "means semigrad is slower (or uses more memory); ± = largest deviation of a round from "
        "the median"]
    runs = [r for block in summary.values() for row in block["libs"].values()
            for r in row["rounds"] if "other_cpu_share" in r]
    disturbed = sum(r["other_cpu_share"] > DISTURBED for r in runs)
    facts.insert(3, f"worker runs during which that exceeded {DISTURBED:.0%} of a core: "
                 f"{disturbed} of {len(runs)} (their figures are likely too slow; --json has "
                 f"other_cpu_share per run)")
    out = [heading, "", *("- " + f for f in facts)] if markdown else [heading, *facts]
    for key, block in summary.items():
        workload = WORKLOADS[key]
        headers = ["library", "version"]
        for name in workload.measures:
            headers += [name, "ratio"] + ["peak memory", "ratio"] * workload.memory
        headers.append("check")
        rows = [[lib, row["version"], *_cells(row, workload), row["check"].split(":")[0]]
                for lib, row in block["libs"].items()]
        title = f"### {key}: {block['title']}\n" if markdown else f"{key}: {block['title']}"
        out += ["", title, *_table(headers, rows, markdown)]
        out += [("- " if markdown else "  note: ") + n for n in _notes(block["libs"])]
    return "\n".join(out)
