"""A bar chart of the results: each implementation's speed relative to pyzmq.

One group of horizontal bars per case, one bar per implementation measured
(pyzmq, zmqx, C).  Every figure is turned into a speed relative to pyzmq (so
longer is faster whatever the unit: for times the ratio is inverted), on a log
scale so that 0.5x and 2x are equally far from 1x.  When pyzmq was not measured,
zmqx is the reference instead.  Needs matplotlib (``pip install zmqx[cli]``).
"""

from __future__ import annotations

import math
from typing import Any

# one fixed colour per implementation, so the picture (and a test) can tell them apart
COLORS = {"pyzmq": "#8c8c8c", "zmqx": "#d62728", "c": "#1f77b4"}
LABELS = {"pyzmq": "pyzmq", "zmqx": "zmqx", "c": "C (libzmq)"}


def chart_data(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The numbers the chart draws: {"reference", "cases": [{"bench", "speed": {impl: x}}]}."""
    reference = "pyzmq" if any(r["pyzmq"] for r in results) else "zmqx"
    cases = []
    for res in results:
        base = res[reference]
        if not base:
            continue
        speed = {}
        for impl in COLORS:
            value = res[impl]
            if value:
                speed[impl] = value / base if res["higher_is_better"] else base / value
        cases.append({"bench": res["bench"], "unit": res["unit"], "speed": speed})
    return {"reference": reference, "cases": cases}


def write_chart(results: list[dict[str, Any]], path: str, title: str) -> dict[str, Any]:
    """Draw the chart of ``results`` into ``path`` (PNG, SVG... by extension); returns its data."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    data = chart_data(results)
    cases = data["cases"]
    if not cases:
        raise ValueError("nothing to chart: no case has a figure for the reference")
    impls = [impl for impl in COLORS if any(impl in c["speed"] for c in cases)]
    values = [v for c in cases for v in c["speed"].values()]
    low = 10 ** math.floor(math.log10(min(values) / 1.5))
    high = 10 ** math.ceil(math.log10(max(values) * 1.5))
    bar = 0.8 / len(impls)

    height = 2.1 + 0.28 * len(cases) * len(impls)  # inches: room for axes, title, legend
    fig, ax = plt.subplots(figsize=(9, height), dpi=100)
    for i, impl in enumerate(impls):
        rows = [(n, c["speed"][impl]) for n, c in enumerate(cases) if impl in c["speed"]]
        ys = [n + (i - (len(impls) - 1) / 2) * bar for n, _ in rows]
        widths = [v - low for _, v in rows]
        ax.barh(
            ys,
            widths,
            height=bar * 0.9,
            left=low,
            color=COLORS[impl],
            label=LABELS[impl],
            antialiased=False,
        )
        for y, (_, v) in zip(ys, rows, strict=True):
            ax.text(v * 1.04, y, f"{v:.2f}x", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels([c["bench"] for c in cases])
    ax.invert_yaxis()
    ax.set_xlabel(f"speed relative to {data['reference']} (log scale; longer is faster)")
    ax.set_title(title, fontsize=9)
    fig.legend(loc="upper center", ncol=len(impls), bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / height))  # the legend's strip at the top
    fig.savefig(path)
    plt.close(fig)
    return data
