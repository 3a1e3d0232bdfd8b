"""Find a pipeline spec and check it before a run starts, so a bad spec fails in words, in a second.

A run starts two JVMs before pyspark's CLI reads the spec, and a mistake in it then surfaces after
seconds as a Python traceback in the run's log. ``check_spec`` reads the spec with pyspark's own
parser (the fields ``spark-pipelines`` accepts, the required ``name`` and ``storage``) and adds
what a local run needs: ``storage`` must be a ``file://`` URI, and the ``libraries`` globs must
match at least one source file, resolved from the spec's folder as pyspark resolves them.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from localbricks.errors import LocalbricksError

SPEC_NAMES = ("spark-pipeline.yml", "spark-pipeline.yaml")


class PipelineSpecError(LocalbricksError):
    """The pipeline spec is missing or cannot be run; the message says which part and why."""


def find_spec(spec: str | Path) -> Path:
    """The spec file itself, or the one in the folder ``spec`` names."""
    path = Path(spec)
    if path.is_dir():
        found = [path / n for n in SPEC_NAMES if (path / n).is_file()]
        if not found:
            raise PipelineSpecError(f"No pipeline spec in {path}: expected {' or '.join(SPEC_NAMES)} "
                                    "(localbricks.pipelines.write_spec writes one).")
        return found[0].resolve()
    if not path.is_file():
        raise PipelineSpecError(f"No pipeline spec at {path}.")
    return path.resolve()


def search_spec(start: str | Path) -> Path:
    """The spec in ``start`` or the nearest folder above it, as ``spark-pipelines run`` looks for one."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if any((folder / n).is_file() for n in SPEC_NAMES):
            return find_spec(folder)
    raise PipelineSpecError(f"No pipeline spec ({' or '.join(SPEC_NAMES)}) in {start} or any folder above "
                            "it; pass one with --spec.")


def check_spec(spec_path: Path):
    """Return the spec as pyspark's ``PipelineSpec``, or raise ``PipelineSpecError`` saying what is wrong."""
    import yaml
    from pyspark.errors import PySparkException
    from pyspark.pipelines.cli import unpack_pipeline_spec

    where = f"Invalid pipeline spec {spec_path}:"
    try:
        data = yaml.safe_load(spec_path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark else ""
        raise PipelineSpecError(f"{where} it is not valid YAML ({at}{getattr(err, 'problem', None) or err}).") from None
    if not isinstance(data, dict):
        raise PipelineSpecError(f"{where} expected a YAML mapping with at least 'name' and 'storage', "
                                f"found {type(data).__name__}.")
    try:
        spec = unpack_pipeline_spec(data)
    except (PySparkException, KeyError, TypeError) as err:
        raise PipelineSpecError(f"{where} {_reason(err)}") from None

    storage = urlparse(str(spec.storage))
    if storage.scheme != "file" or not storage.path.startswith("/"):
        raise PipelineSpecError(
            f"{where} 'storage' must be an absolute file:// URI (where checkpoints go), got {spec.storage!r}; "
            f"for example {(spec_path.parent / 'storage').as_uri()}.")
    folder = spec_path.parent
    patterns = [lib.include for lib in spec.libraries]  # as pyspark normalizes them: "x/**" is "x/**/*"
    if not any(p.is_file() and "__pycache__" not in p.parts for pattern in patterns for p in folder.glob(pattern)):
        listed = ", ".join(repr(entry["glob"]["include"]) for entry in data.get("libraries") or []) or "none"
        raise PipelineSpecError(f"{where} its libraries ({listed}) match no source file under {folder}; "
                                "put the pipeline's .py or .sql files there.")
    return spec


def _reason(err: Exception) -> str:
    from pyspark.errors import PySparkException

    if isinstance(err, PySparkException):
        return str(err)
    # pyspark indexes each library entry as entry["glob"]["include"]
    return "each entry of 'libraries' must look like {glob: {include: <pattern>}}, e.g. transformations/**."
