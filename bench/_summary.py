"""The last step of ``make bench``: every benchmark's headline ratios, one table.

Each benchmark appends its ratios to the file ``$BENCH_RATIOS`` names (``_common.report_ratio``);
this prints them in the order they were recorded, so a reader sees in one place what the whole
run found without scrolling back through each benchmark's own table.

    BENCH_RATIOS=ratios.jsonl python bench/_summary.py   (or: python bench/_summary.py ratios.jsonl)
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from _common import RATIOS_ENV


def read_ratios(path: Path) -> list[dict]:
    """The recorded rows; a missing file is an empty list (no benchmark got as far as its ratio)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "no ratios recorded"
    bench_w = max(len("benchmark"), *(len(r["bench"]) for r in rows))
    label_w = max(len("ratio of"), *(len(r["label"]) for r in rows))
    lines = [f"{'benchmark':<{bench_w}}  {'ratio of':<{label_w}}  {'value':>9}  meaning"]
    for r in rows:
        value = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        lines.append(f"{r['bench']:<{bench_w}}  {r['label']:<{label_w}}  {value:>9}  {r['meaning']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = argv[0] if argv else os.environ.get(RATIOS_ENV)
    if not target:
        print(f"name the ratios file: an argument or ${RATIOS_ENV}", file=sys.stderr)
        return 2
    print(format_table(read_ratios(Path(target))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
