"""The integrity corpus graded by ours and by plain ``nbgrader autograde``, side by side, in one run.

The corpus (``tests/grader/integrity_corpus.py``) is hostile and broken submissions of notebooks
10 and 00 plus honest controls; each case says the most it may score. Ours grades all of it at
the strongest sandbox level the machine offers, with the limits its test uses. Plain nbgrader
grades the same cases except ``wall_poison_data``: without walls that one writes into the
checkout's ``datasets/`` through an absolute path. Plain nbgrader runs with nbgrader's per-cell
timeout and a hard wall-clock limit per notebook (one ``autograde`` process for all students);
``hack_kill_grader`` kills that process, which is counted as a batch abort, as a timeout is, and
as an autograde process that gives up before it has started every student.

Printed per grader: attacks contained (scored no more than their case allows), score inflation
(how many, and which), batch aborts, submissions missing from the result, honest controls
(``zz_*``, ``control_*``) scored exactly, processes left running (killed afterwards) and whether
the checkout's ``datasets/`` was left unchanged. Numbers for reading: it exits non-zero only if
ours inflates a score, aborts, loses a submission or gets a control wrong.

    python bench/grading_integrity.py [--batch-limit SECONDS]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, report_ratio, scratch_workspace

LEFT_OUT_OF_PLAIN = {"wall_poison_data"}  # without walls it writes into the real checkout's datasets/


def is_control(case) -> bool:
    return case.student.startswith(("zz_", "control_"))


def figures(corpus, scores: dict) -> dict:
    """The comparison's figures for one grader; ``scores``: {(student, stem): points or None if absent}."""
    attacks = [c for c in corpus if not is_control(c)]
    controls = [c for c in corpus if is_control(c)]
    score = {(c.student, c.stem): scores.get((c.student, c.stem)) for c in corpus}
    name = lambda c: c.student if c.stem == "10_practice_exam" else f"{c.student} ({c.stem[:2]})"  # noqa: E731
    return {
        "graded": len(corpus),
        "contained": sum(1 for c in attacks if score[c.student, c.stem] is not None
                         and score[c.student, c.stem] <= c.score),
        "attacks": len(attacks),
        "inflated": [name(c) for c in corpus if (score[c.student, c.stem] or 0) > c.score],
        "missing": [name(c) for c in corpus if score[c.student, c.stem] is None],
        "controls_right": sum(1 for c in controls if score[c.student, c.stem] == c.score),
        "controls": len(controls),
        "controls_wrong": [f"{name(c)}: {score[c.student, c.stem]} for {c.score:g}" for c in controls
                           if score[c.student, c.stem] != c.score],
    }


def _ours(corpus, tmp: Path, level: str):
    from grader.autograde import Limits, autograde
    from integrity_corpus import write

    from plain_nbgrader import ProcessWatch

    limits = Limits(cell_timeout=45, submission_timeout=150, memory_mb=8192)  # as tests/grader/test_integrity.py
    subs = write(corpus, tmp / "ours")
    watch, started, aborts = ProcessWatch(), time.monotonic(), []
    try:
        rows = autograde(subs, REPO / "solutions", workers=2, limits=limits, progress_bar=False, level=level)
    except Exception as err:  # noqa: BLE001 - an abort is a figure here, not a crash of the benchmark
        rows, aborts = [], [f"{type(err).__name__}: {err}"]
    seconds = time.monotonic() - started
    scores = {(r.student, r.notebook): (None if r.status == "error" else r.score) for r in rows}
    return scores, aborts, seconds, watch.stop(), {(r.student, r.notebook): r for r in rows}


def _plain(corpus, tmp: Path, batch_limit: float):
    import plain_nbgrader
    from integrity_corpus import write

    subs = write(corpus, tmp / "plain")
    paths = {(c.student, c.stem): subs / c.student / f"{c.stem}.ipynb" for c in corpus}
    watch = plain_nbgrader.ProcessWatch()
    batch = plain_nbgrader.grade(paths, tmp / "course", cell_timeout=45, batch_limit=batch_limit)
    aborts = [f"{stem}: {why}" for stem, why in batch.aborted.items()]
    return batch.scores, aborts, batch.seconds, watch.stop(), batch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-limit", type=float, default=900,
                        help="wall-clock seconds for one plain nbgrader autograde process (one notebook, all students)")
    args = parser.parse_args(argv)
    with scratch_workspace("bench-integrity-"):
        return _run(args)


def _run(args) -> int:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "grader")]
    import plain_nbgrader
    from grader.sandbox import detect_level
    from integrity_corpus import cases, loopback_server

    plain_nbgrader.become_subreaper()
    level = detect_level()
    datasets = REPO / "datasets"
    with loopback_server() as port, tempfile.TemporaryDirectory(prefix="bench-integrity-") as tmp:
        corpus = cases(port)
        plain_corpus = [c for c in corpus if c.student not in LEFT_OUT_OF_PLAIN]
        before = plain_nbgrader.tree_hash(datasets)
        print(f"ours ({len(corpus)} submissions, level {level})…", file=sys.stderr, flush=True)
        ours_scores, ours_aborts, ours_seconds, ours_watch, ours_rows = _ours(corpus, Path(tmp), level)
        ours_data_same = plain_nbgrader.tree_hash(datasets) == before
        print(f"plain nbgrader ({len(plain_corpus)} submissions)…", file=sys.stderr, flush=True)
        plain_scores, plain_aborts, plain_seconds, plain_watch, batch = _plain(plain_corpus, Path(tmp), args.batch_limit)
        plain_data_same = plain_nbgrader.tree_hash(datasets) == before

    ours, plain = figures(corpus, ours_scores), figures(plain_corpus, plain_scores)
    table = [
        ("submissions graded", ours["graded"], f"{plain['graded']} (wall_poison_data left out)"),
        ("attacks contained", f"{ours['contained']} of {ours['attacks']}", f"{plain['contained']} of {plain['attacks']}"),
        ("score inflation", len(ours["inflated"]), len(plain["inflated"])),
        ("batch aborts", f"{len(ours_aborts)} of 1", f"{len(plain_aborts)} of {len(batch.exit_codes)}"),
        ("missing from the result", len(ours["missing"]), len(plain["missing"])),
        ("honest controls correct", f"{ours['controls_right']} of {ours['controls']}",
         f"{plain['controls_right']} of {plain['controls']}"),
        ("processes left running", ours_watch.leftovers, plain_watch.leftovers),
        ("checkout datasets/ unchanged", "yes" if ours_data_same else "NO", "yes" if plain_data_same else "NO"),
        ("wall time s", f"{ours_seconds:.0f}", f"{plain_seconds:.0f}"),
        ("peak RSS MB (process tree)", f"{ours_watch.peak_rss_mb:.0f}", f"{plain_watch.peak_rss_mb:.0f}"),
    ]
    print(f"integrity corpus: ours (sandbox level {level}, 2 workers) against plain nbgrader autograde")
    print(f"{'':32}{'ours':>18}  {'plain nbgrader':<30}")
    for label, left, right in table:
        print(f"{label:32}{str(left):>18}  {str(right):<30}")
    for label, figs, aborts in (("ours", ours, ours_aborts), ("plain", plain, plain_aborts)):
        for what, items in (("inflated", figs["inflated"]), ("aborts", aborts), ("missing", figs["missing"]),
                            ("controls wrong", figs["controls_wrong"])):
            if items:
                print(f"{label} {what}: {', '.join(items)}")
    print(f"plain exit codes: {batch.exit_codes}")
    report_ratio("grading_integrity", "plain nbgrader / ours, wall", plain_seconds / ours_seconds,
                 f"above 1: ours is faster (ours graded {ours['graded']}, plain {plain['graded']}); "
                 f"attacks contained: ours {ours['contained']}, plain {plain['contained']} of {ours['attacks']}")
    for c in corpus:  # why ours got a control wrong: the row's own account
        row = ours_rows.get((c.student, c.stem))
        if is_control(c) and row is not None and row.score != c.score:
            print(f"ours {c.student} ({c.stem[:2]}): {row.status}; {row.detail}; "
                  + "; ".join(f"{g}: {r.outcome} {r.message[:120]}" for g, r in row.cells.items()))
    ok = not (ours["inflated"] or ours_aborts or ours["missing"] or ours["controls_wrong"] or not ours_data_same)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
