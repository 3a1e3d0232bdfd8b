"""Grading a batch: ours (sandboxed, cell by cell) with 1 and 2 workers against plain ``nbgrader autograde``.

The batch is notebook 10 (the practice exam) with its CI parameters, as the integrity corpus
builds it: half the students hand in the answer key (2 points), half the untouched released copy
(0 points). Notebook 10 needs no Spark, so each submission costs a kernel start and a few seconds
of Python; 20 of them, graded three times, take a few minutes on a busy two-core machine, long
enough for per-submission overheads (our sandbox, nbgrader's gradebook) to show and short enough
to run in ``make bench``. Notebook 00 (Spark) would measure mostly the JVM's start.

All three run in one go, ours first (so ours pays for cold caches). The table prints wall time,
peak RSS of the process tree, whether the scores equal ours with 1 worker, and plain / ours (above
1: ours is faster). There is no pass mark: the numbers are for reading. It exits non-zero only
if the three disagree on a score.

    python bench/grading.py [--submissions N]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from _common import REPO, report_ratio, scratch_workspace

STEM = "10_practice_exam"


def _write_batch(folder: Path, count: int) -> dict:
    """``count`` submissions, alternately the key and the untouched copy; returns {(student, stem): path}."""
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "grader")]
    from integrity_corpus import key, released

    paths = {}
    for i in range(count):
        student = f"{'key' if i % 2 == 0 else 'untouched'}_{i:02d}"
        path = folder / student / f"{STEM}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(key(STEM) if i % 2 == 0 else released(STEM), path)
        paths[student, STEM] = path
    return paths


def _ours(folder: Path, workers: int, limits, level: str) -> tuple[dict, float, object, list]:
    from grader.autograde import autograde
    from plain_nbgrader import ProcessWatch

    watch = ProcessWatch()
    started = time.monotonic()
    rows = autograde(folder, REPO / "solutions", workers=workers, limits=limits, progress_bar=False, level=level)
    seconds = time.monotonic() - started
    return {(r.student, r.notebook): r.score for r in rows}, seconds, watch.stop(), rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20, help="submissions in the batch")
    args = parser.parse_args(argv)
    with scratch_workspace("bench-grading-"):
        return _run(args)


def _run(args) -> int:
    import plain_nbgrader
    from grader.autograde import Limits
    from grader.sandbox import detect_level

    plain_nbgrader.become_subreaper()
    limits = Limits(cell_timeout=120, submission_timeout=600)
    level = detect_level()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        paths = _write_batch(Path(tmp) / "submissions", args.submissions)
        results = {}
        for workers in (1, 2):
            print(f"ours, {workers} worker(s)…", file=sys.stderr, flush=True)
            scores, seconds, watch, rows = _ours(Path(tmp) / "submissions", workers, limits, level)
            results[f"ours, {workers} worker{'s' if workers > 1 else ''}"] = (scores, seconds, watch)
            kernel = sum(r.seconds for r in rows)
            print(f"  {seconds:.1f} s wall, {kernel:.1f} s of it (summed) inside the kernels' runs "
                  f"({kernel / len(rows):.1f} s per submission)", file=sys.stderr, flush=True)
        print("plain nbgrader…", file=sys.stderr, flush=True)
        watch = plain_nbgrader.ProcessWatch()
        batch = plain_nbgrader.grade(paths, Path(tmp) / "course", cell_timeout=limits.cell_timeout,
                                     batch_limit=limits.submission_timeout * args.submissions)
        results["plain nbgrader autograde"] = (batch.scores, batch.seconds, watch.stop())

    reference = results["ours, 1 worker"][0]
    plain_seconds = results["plain nbgrader autograde"][1]
    print(f"{args.submissions} submissions of {STEM} (half the key, half untouched); sandbox level {level}")
    print(f"{'grader':28}{'wall s':>9}{'peak RSS MB':>13}{'same scores':>13}{'plain / this':>14}")
    for label, (scores, seconds, watch) in results.items():
        same = "yes" if scores == reference else "no"
        print(f"{label:28}{seconds:>9.1f}{watch.peak_rss_mb:>13.0f}{same:>13}{plain_seconds / seconds:>14.2f}")
        if label.startswith("ours"):
            report_ratio("grading", f"plain nbgrader / {label}, wall", plain_seconds / seconds, "above 1: ours is faster")
    print(f"(plain: nbgrader generate_assignment took {batch.generate_seconds:.1f} s more, not counted; "
          f"exit codes {batch.exit_codes}{'; aborted ' + str(batch.aborted) if batch.aborted else ''})")
    expected = {key: (2.0 if key[0].startswith("key") else 0.0) for key in paths}
    print("scores as the key says:", "yes" if reference == expected else f"no: {reference}")
    return 0 if all(r[0] == reference for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
