"""``python -m grader``: release, run, autograde, report, feedback, progress, exam, hint, clean.

Every subcommand is a thin layer over one module. Mistakes a user can fix (an unknown notebook
or exercise, a missing folder) end with one ``grader: error: …`` line and exit code 2, like
argparse's own usage errors; a check that finds problems exits 1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.paths import REPO_ROOT
from grader.sandbox import LEVELS

SOLUTIONS = REPO_ROOT / "solutions"
NOTEBOOKS = REPO_ROOT / "notebooks"


class UsageError(Exception):
    """Something the user typed is wrong; printed on one line, exit code 2."""


def _release(args) -> int:
    from grader import release

    if args.check:
        findings = release.check(args.src, args.dst)
        for finding in findings:
            print(finding)
        if findings:
            print(f"{args.dst} is out of date: run `python -m grader release`", file=sys.stderr)
            return 1
        print(f"{args.dst} matches {args.src}")
        return 0
    changed = release.release(args.src, args.dst, prune=args.prune)
    for path in changed:
        print(f"{'wrote' if path.exists() else 'deleted'} {path}")
    if not changed:
        print(f"{args.dst} is up to date")
    return 0


def _run(args) -> int:
    from grader import notebooks, run

    paths = [notebooks.resolve(name, args.folder) for name in args.notebooks] \
        or notebooks.list_notebooks(args.folder)
    if not paths:
        raise UsageError(f"no NN_*.ipynb notebooks in {args.folder}")
    overrides = {name: run.parse_value(value) for name, value in args.parameters or []}
    results = run.run_notebooks(paths, ci=args.ci, overrides=overrides, progress_bar=not args.quiet)
    print(run.format_summary(results))
    return 1 if any(r.status != "ok" for r in results) else 0


def _autograde(args) -> int:
    from grader import autograde

    if not Path(args.submissions).is_dir():
        raise UsageError(f"no submissions folder {args.submissions}")
    limits = autograde.Limits(cell_timeout=args.timeout, submission_timeout=args.submission_timeout,
                              memory_mb=args.memory_mb or None)
    from grader.sandbox import detect_level

    level = args.sandbox or detect_level()
    if not args.quiet:
        print(f"sandbox: {level}")
    try:
        rows = autograde.autograde(args.submissions, args.source, workers=args.workers, limits=limits,
                                   workdir=args.workdir, progress_bar=not args.quiet, level=level)
    except autograde.AutogradeError as err:
        raise UsageError(str(err)) from None
    out, cells = _export_somewhere(rows, Path(args.out))
    width = max(len(r.student) for r in rows)
    for r in rows:
        print(f"{r.student:<{width}}  {r.notebook}  {r.score:g}/{r.max_score:g}  {r.status}  {r.detail}".rstrip())
    print(f"gradebook: {out} (per test cell: {cells})")
    return 0


def _export_somewhere(rows, out: Path) -> tuple[Path, Path]:
    """Write the gradebook to ``out``, or, if it cannot be written there (a locked file, a folder of that
    name, no permission), to a timestamped file in the working folder: an hour of grading is never lost."""
    from datetime import datetime

    from grader import gradebook

    try:
        return gradebook.export(rows, out), gradebook.export_cells(rows, gradebook.cells_path(out))
    except OSError as err:
        other = Path.cwd() / f"{out.stem}-{datetime.now():%Y%m%d-%H%M%S}.csv"
        print(f"grader: cannot write {out} ({type(err).__name__}: {err}); writing {other} instead", file=sys.stderr)
        return gradebook.export(rows, other), gradebook.export_cells(rows, gradebook.cells_path(other))


def _load_gradebook(path: Path):
    from grader import report

    try:
        return report.load(path)
    except report.GradebookError as err:
        raise UsageError(str(err)) from None


def _report(args) -> int:
    from grader import report

    rows = _load_gradebook(args.gradebook)
    out = args.out or args.gradebook.with_name(f"{args.gradebook.stem}_report.html")
    print(f"wrote {report.write_report(rows, out)}")
    return 0


def _feedback(args) -> int:
    from grader import feedback

    rows = _load_gradebook(args.gradebook)
    out = args.out or args.gradebook.with_name(f"{args.gradebook.stem}_feedback")
    paths = feedback.write_feedback(rows, out)
    print(f"wrote {len(paths)} feedback page(s) to {out}")
    return 0


def _module_prefix(name: str) -> str:
    """``"2"``, ``"02"``, ``"02_data_preparation"`` → ``"02"``."""
    head = str(name).split("_", 1)[0]
    if not head.isdigit():
        raise UsageError(f"a module is a notebook number or name like 02 or 02_data_preparation, not {name!r}")
    return f"{int(head):02d}"


def _progress(args) -> int:
    from grader import exam_readiness, progress
    from grader.checks import load_all
    from grader.exercise import REGISTRY

    if args.reset:
        prefix = _module_prefix(args.reset)
        gone = progress.reset_module(prefix)
        print(f"forgot {gone} attempt(s) and hint(s) of module {prefix}")
        return 0
    load_all()
    exercises = list(REGISTRY.values())
    latest = progress.latest_outcomes()
    names = {p.name[:2]: p.stem for p in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))}
    modules = exam_readiness.by_module(exercises, latest)
    domains = exam_readiness.by_domain(exercises, latest)
    sittings = progress.finished_sittings("exam")
    drills = progress.finished_sittings("practice")
    print(exam_readiness.format_progress(modules, domains, sittings, names, drills))
    if args.html:
        from grader import exam_report

        path = exam_report.write_html(args.html, modules, domains, sittings, names)
        print(f"wrote {path}")
    return 0


def _exam(args) -> int:
    from grader import exam, exam_cli, progress
    from grader.bank import BankError, load_bank

    try:
        bank = load_bank(args.bank)
    except BankError as err:
        raise UsageError(str(err)) from None
    if args.practice:
        from grader.checks import load_all
        from grader.exercise import REGISTRY

        try:
            domain = exam.resolve_domain(args.practice)
        except ValueError as err:
            raise UsageError(str(err)) from None
        load_all()
        weak = exam.weak_objectives(REGISTRY.values(), progress.latest_outcomes())
        return exam_cli.drill_main(bank, domain, seed=args.seed, count=args.count, weak=weak)
    if args.minutes <= 0:
        raise UsageError("--minutes must be more than 0")
    try:
        return exam_cli.exam_main(bank, seed=args.seed, minutes=args.minutes)
    except exam.NotEnoughQuestions as err:
        raise UsageError(f"the question bank is too small for an exam: {err}") from None


def _hint(args) -> int:
    from grader.hints import hint

    try:
        hint(args.id, args.n)
    except ValueError as err:
        raise UsageError(str(err)) from None
    return 0


def _clean(args) -> int:
    from grader import notebooks

    paths = []
    for given in args.paths or [SOLUTIONS]:
        given = Path(given)
        if given.is_dir():
            paths.extend(notebooks.list_notebooks(given))
        elif given.is_file():
            paths.append(given)
        else:
            raise UsageError(f"no such file or folder {given}")
    dirty = [p for p in paths if notebooks.clean_file(p, write_back=not args.check)]
    for path in dirty:
        print(f"{'not clean' if args.check else 'cleaned'}: {path}")
    return 1 if args.check and dirty else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Course tools: release, run, autograde, report, feedback, progress, exam, hint, clean.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", help="generate notebooks/ from solutions/")
    p.add_argument("--check", action="store_true", help="only report drifted, missing and orphan files")
    p.add_argument("--prune", action="store_true", help="delete notebooks that have no solution")
    p.add_argument("--src", type=Path, default=SOLUTIONS, help="solution notebooks (default: %(default)s)")
    p.add_argument("--dst", type=Path, default=NOTEBOOKS, help="student notebooks (default: %(default)s)")
    p.set_defaults(func=_release)

    p = sub.add_parser("run", help="run notebooks with papermill")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="02, 02_topic, a file name or a path")
    p.add_argument("--ci", action="store_true", help="use each notebook's small CI parameters")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", nargs=2,
                   metavar=("NAME", "VALUE"), help="set a parameter (a Python literal or a string)")
    p.add_argument("--folder", type=Path, default=SOLUTIONS, help="where names are looked up (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)

    p = sub.add_parser("autograde", help="grade SUBMISSIONS/<student>/<NN_topic>.ipynb, each in its own sandbox")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    p.add_argument("--out", type=Path, default=Path("gradebook.csv"), help="gradebook CSV (default: %(default)s)")
    p.add_argument("--timeout", type=int, default=300, metavar="S", help="seconds per cell (default: %(default)s)")
    p.add_argument("--submission-timeout", type=float, default=1800, metavar="S",
                   help="seconds per submission before it is killed (default: %(default)s)")
    p.add_argument("--memory-mb", type=int, default=8192, metavar="MB",
                   help="address-space limit per process, 0 for none (default: %(default)s)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="parallel submissions (default: %(default)s)")
    p.add_argument("--source", type=Path, default=SOLUTIONS, help="answer key (default: %(default)s)")
    p.add_argument("--workdir", type=Path, help="keep the executed notebooks here (executed/<student>/<NN_topic>.ipynb)")
    p.add_argument("--sandbox", choices=LEVELS, help="sandbox level (default: the strongest this machine offers)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_autograde)

    p = sub.add_parser("report", help="one HTML page with charts from an autograde gradebook")
    p.add_argument("gradebook", type=Path, metavar="GRADEBOOK", help="the CSV autograde wrote (its _cells.csv beside it)")
    p.add_argument("--out", type=Path, metavar="FILE", help="default: <gradebook stem>_report.html beside it")
    p.set_defaults(func=_report)

    p = sub.add_parser("feedback", help="one HTML feedback page per student from an autograde gradebook")
    p.add_argument("gradebook", type=Path, metavar="GRADEBOOK", help="the CSV autograde wrote (its _cells.csv beside it)")
    p.add_argument("--out", type=Path, metavar="DIR", help="default: <gradebook stem>_feedback/ beside it")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("progress", help="your standing by module and exam domain, exam scores, readiness")
    p.add_argument("--reset", metavar="MODULE", help="forget one module's attempts and hints (02 or 02_topic)")
    p.add_argument("--html", type=Path, metavar="PATH", help="also write the standing as one HTML page with charts")
    p.set_defaults(func=_progress)

    p = sub.add_parser("exam", help="a timed 48-question practice exam, or --practice DOMAIN drills")
    p.add_argument("--practice", metavar="DOMAIN", help="drill one domain with feedback after each answer (1-4 or its name)")
    p.add_argument("--seed", type=int, help="draw the same questions again")
    p.add_argument("--minutes", type=float, default=90, help="exam length (default: %(default)s)")
    p.add_argument("--count", type=int, default=10, help="questions in a drill (default: %(default)s)")
    p.add_argument("--bank", type=Path, metavar="FOLDER", help="question files (default: grader/bank/questions)")
    p.set_defaults(func=_exam)

    p = sub.add_parser("hint", help="show the next (or the N-th) hint of an exercise")
    p.add_argument("id", metavar="ID")
    p.add_argument("n", type=int, nargs="?", metavar="N")
    p.set_defaults(func=_hint)

    p = sub.add_parser("clean", help="strip outputs, execution counts and volatile metadata")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="notebooks or folders (default: solutions/)")
    p.add_argument("--check", action="store_true", help="only report notebooks that are not clean")
    p.set_defaults(func=_clean)
    return parser


_USAGE_ERRORS = (("grader.notebooks", "UnknownNotebook"), ("grader.hints", "UnknownExercise"))
_FAILURES = (("grader.release", "ReleaseError"),)


def _loaded(names) -> tuple[type, ...]:
    """The exception classes of ``names`` whose module is imported.

    An exception raised from a module means that module is loaded, so ``main`` can recognise
    ``UnknownNotebook`` without importing ``grader.notebooks`` (and nbformat, seconds of start-up)
    for subcommands such as ``exam`` that never use it.
    """
    return tuple(getattr(sys.modules[module], name) for module, name in names if module in sys.modules)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as err:
        if isinstance(err, (UsageError, *_loaded(_USAGE_ERRORS))):
            print(f"grader: error: {err}", file=sys.stderr)
            return 2
        if isinstance(err, _loaded(_FAILURES)):
            print(f"grader: error: {err}", file=sys.stderr)
            return 1
        raise
