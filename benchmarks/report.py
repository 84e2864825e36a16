"""Turns the workers' JSON into the report: correctness checks, medians, ratios and tables.

``compare`` checks one worker's result fingerprint against the NumPy reference,
``summarise`` reduces the rounds to medians per library and measure, and ``render`` prints
one table per workload, as aligned text or as Markdown.
"""

from __future__ import annotations

import statistics

from problems import WORKLOADS

LABEL_VALUE = "value"


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
        label = LABEL_VALUE if i == 0 else f"gradient {i}"
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


def summarise(keys, libs, present, results, reference, checks) -> dict:
    """Per workload and library: status, version, medians, spreads, ratios, check, notes."""
    summary = {}
    for key in keys:
        rows = {}
        for lib in libs:
            runs = results[key].get(lib, [])
            row = {"rounds": runs, "measures": {}}
            if not present[lib]:
                row["status"] = "not installed"
            elif any("skipped" in r for r in runs):
                row["status"] = "skipped: " + runs[0]["skipped"]
            elif any("error" in r for r in runs):
                row["status"] = "error: " + next(r["error"] for r in runs if "error" in r)
            else:
                row["status"] = "ok"
            row["version"] = next((r["version"] for r in runs if "version" in r), "")
            row["notes"] = runs[0].get("notes", []) if runs else []
            row["check"] = checks.get(key) if lib == "semigrad" else (
                compare(runs[0], reference[key]) if runs else "")
            for name in WORKLOADS[key].measures:
                figures = [r["measures"][name] for r in runs if name in r.get("measures", {})]
                errors = [f["error"] for f in figures if "error" in f]
                if errors or not figures:
                    row["measures"][name] = {"error": errors[0]} if errors else {}
                    continue
                times = [f["per_call_s"] for f in figures]
                med = statistics.median(times)
                entry = {"median_s": med, "spread": _spread(times, med), "samples_s": times,
                         "first_call_s": statistics.median(f["first_s"] for f in figures)
                         if "first_s" in figures[0] else None}
                if "peak_growth_kib" in figures[0]:
                    entry["peak_growth_kib"] = statistics.median(
                        f["peak_growth_kib"] for f in figures)
                    entry["memory_method"] = figures[0]["memory_method"]
                row["measures"][name] = entry
            rows[lib] = row
        _add_ratios(rows)
        summary[key] = {"title": WORKLOADS[key].title, "libs": rows}
    return summary


def _add_ratios(rows: dict) -> None:
    """ratio = semigrad median / peer median (above 1: semigrad slower or bigger)."""
    base = rows.get("semigrad", {}).get("measures", {})
    for row in rows.values():
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


def _cells(row: dict, measures) -> list[str]:
    cells = []
    for name in measures:
        entry = row["measures"].get(name, {})
        if "median_s" in entry:
            cells += [f"{fmt_time(entry['median_s'])} ±{entry['spread']:.0%}",
                      fmt_ratio(entry.get("ratio"))]
        else:
            short = entry.get("error", row["status"]).split(":")[0]
            cells += [short, ""]
        if "peak_growth_kib" in entry:
            cells += [f"{entry['peak_growth_kib'] / 1024:.1f} MiB",
                      fmt_ratio(entry.get("memory_ratio"))]
        elif WORKLOADS_WITH_MEMORY.get(name):
            cells += ["", ""]
    return cells


WORKLOADS_WITH_MEMORY = {m: True for w in WORKLOADS.values() if w.memory for m in w.measures}


def _table(headers: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows, strict=True)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
    return [fmt(headers).rstrip(), fmt(["-" * w for w in widths])] + [
        fmt(r).rstrip() for r in rows]


def _notes(key: str, rows: dict) -> list[str]:
    notes = []
    for lib, row in rows.items():
        if row["status"] != "ok":
            notes.append(f"{lib}: {row['status']}")
        for name, entry in row["measures"].items():
            if "error" in entry:
                notes.append(f"{lib} {name}: {entry['error']}")
            if lib == "jax-jit" and entry.get("first_call_s"):
                notes.append(f"jax-jit {name}: first call (trace + compile) "
                             f"{fmt_time(entry['first_call_s'])}, not in the timing")
            if "memory_method" in entry and lib == next(iter(rows)):
                notes.append(f"memory = peak RSS growth during the call: "
                             f"{entry['memory_method']}")
        if row["check"] not in ("ok", "", "skipped", None) and row["status"] == "ok":
            notes.append(f"{lib} check: {row['check']}")
        notes += [f"{lib}: {n}" for n in row["notes"]]
    return list(dict.fromkeys(notes))


def render(meta: dict, summary: dict, markdown: bool = False) -> str:
    m = meta["machine"]
    out = [f"semigrad benchmarks ({'quick' if meta['quick'] else 'full'}, "
           f"{meta['rounds']} rounds, median per library)",
           f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; threads: "
           f"{meta['threads'] or 'as the environment sets them'}",
           f"load average before: {meta['loadavg_before']}; after: {meta['loadavg_after']} "
           f"(the run itself adds about 1)",
           f"CPU used by other processes during the run: {meta['other_cpu_share']:.0%} of one "
           f"core on average; wall time {meta['wall_s']:.0f} s",
           "ratio = semigrad / peer: above 1 means semigrad is slower (or uses more memory);"
           " ± = largest deviation of a round from the median"]
    for key, block in summary.items():
        measures = WORKLOADS[key].measures
        headers = ["library", "version"]
        for name in measures:
            headers += [name, "ratio"]
            if WORKLOADS_WITH_MEMORY.get(name):
                headers += ["peak memory", "ratio"]
        headers.append("check")
        rows = [[lib, row["version"], *_cells(row, measures), row["check"].split(":")[0]]
                for lib, row in block["libs"].items()]
        out += ["", f"{key}: {block['title']}", *_table(headers, rows, markdown)]
        out += [("- " if markdown else "  note: ") + n for n in _notes(key, block["libs"])]
    return "\n".join(out)
