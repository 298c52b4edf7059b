"""``report.json``, ``report.md`` and (when comparing) ``compare.png`` of an evaluation."""

from __future__ import annotations

import json
from pathlib import Path

# (key in the scores, column title, kind): "pct" ratios, "num" plain numbers, "ms" latency.
COLUMNS = [
    ("answer_accuracy", "accuracy", "pct"),
    ("citation_precision", "cit. P", "pct"),
    ("citation_recall", "cit. R", "pct"),
    ("recall@5", "R@5", "pct"),
    ("mrr", "MRR", "num"),
    ("refusal_accuracy", "refusal acc", "pct"),
    ("false_refusals", "false ref.", "pct"),
    ("latency_p50_ms", "p50 ms", "ms"),
    ("latency_p95_ms", "p95 ms", "ms"),
]
CHART = [
    "answer_accuracy",
    "citation_precision",
    "citation_recall",
    "recall@5",
    "mrr",
    "refusal_accuracy",
    "false_refusals",
]
_GIVEN_CHARS = 300


def fmt(value: float | None, kind: str) -> str:
    """A score as shown in tables: ``n/a`` when there was nothing to score."""
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "ms":
        return f"{value:.0f}"
    return f"{value:.3f}"


def _table(rows: list[tuple[str, dict]], first: str, extra: bool = False) -> list[str]:
    head = [first] + (["n"] if extra else []) + [title for _, title, _ in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, s in rows:
        cells = [label] + ([str(s["n"])] if extra else [])
        cells += [fmt(s.get(key), kind) for key, _, kind in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary_text(report: dict) -> str:
    """A compact fixed-width table of every configuration, for the terminal."""
    head = ["config"] + [title for _, title, _ in COLUMNS] + ["run s"]
    rows = [head]
    for name, c in report["configs"].items():
        o = c["overall"]
        rows.append(
            [name] + [fmt(o.get(k), kind) for k, _, kind in COLUMNS] + [f"{c['run_seconds']:.1f}"]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _failure_lines(failures: list[dict]) -> list[str]:
    lines = []
    for f in failures:
        exp = f["expected"]
        given = " ".join(f["given"].split())
        if len(given) > _GIVEN_CHARS:
            given = given[:_GIVEN_CHARS] + "…"
        lines += [
            f"- **{f['id']}** ({f['lang']}, {f['type']}): {f['question']}",
            f"  - expected: {exp['answer']} — must include: "
            + (", ".join(f"«{m}»" for m in exp["must_include"]) or "—"),
            f"  - given: {given or '(empty)'}",
            f"  - why: {'; '.join(f['reasons'])}",
        ]
        if "judge" in f:
            lines.append(f"  - judge: {f['judge']['verdict']} — {f['judge']['reason']}")
    return lines


def markdown(report: dict) -> str:
    """The readable report: summary, breakdowns by lang and type, then failures."""
    meta, configs = report["meta"], report["configs"]
    out = ["# Evaluation report", ""]
    out += [f"- {k}: {v}" for k, v in meta.items() if not isinstance(v, dict)]
    for k, v in meta.items():
        if isinstance(v, dict):
            out.append(f"- {k}: " + ", ".join(f"{a}={b}" for a, b in v.items()))
    out += ["", "## Summary", ""]
    out += _table([(n, c["overall"]) for n, c in configs.items()], "config")
    out += [
        "",
        "Ratios are `n/a` when a group has nothing to score (e.g. accuracy of "
        "unanswerable items). Citation and retrieval hits need a passage of the gold file "
        "containing a gold quote, whitespace collapsed.",
        "",
    ]
    for dim, title in (("by_lang", "language"), ("by_type", "question type")):
        out += [f"## By {title}", ""]
        for name, c in configs.items():
            out += [f"### {name}", ""]
            out += _table(list(c[dim].items()), title.split()[-1], extra=True) + [""]
    out += ["## Failures", ""]
    for i, (name, c) in enumerate(configs.items()):
        fails = c["failures"]
        out += [f"### {name}: {len(fails)} of {c['overall']['n']} items", ""]
        if c.get("errors"):
            out += [f"- ERROR {q}: {e}" for q, e in c["errors"].items()] + [""]
        if i == 0:
            out += _failure_lines(fails) + [""]
        else:
            out += [", ".join(f"{f['id']} ({'/'.join(f['kinds'])})" for f in fails) or "—", ""]
    return "\n".join(out) + "\n"


def chart(report: dict, path: Path) -> None:
    """Grouped bars of the main scores, one colour per configuration."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    configs = report["configs"]
    titles = {k: t for k, t, _ in COLUMNS}
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / max(len(configs), 1)
    for j, (name, c) in enumerate(configs.items()):
        vals = [c["overall"].get(k) or 0.0 for k in CHART]
        xs = [i + (j - (len(configs) - 1) / 2) * width for i in range(len(CHART))]
        ax.bar(xs, vals, width, label=name)
    ax.set_xticks(range(len(CHART)), [titles[k] for k in CHART])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (false refusals: lower is better)")
    ax.set_title(f"Configurations on {report['meta'].get('questions', '?')} questions")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out_dir: Path | str, report: dict) -> Path:
    """Write ``report.json``, ``report.md`` and, for several configurations, ``compare.png``.

    Returns the path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    md = out / "report.md"
    md.write_text(markdown(report), encoding="utf-8")
    if len(report["configs"]) > 1:
        chart(report, out / "compare.png")
    return md
