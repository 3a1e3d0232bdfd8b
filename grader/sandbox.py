"""Where a submission's kernel runs: a private scratch copy of the course, walled off as far as the
machine allows.

Every submission gets its own scratch folder holding only what a released notebook needs: an
empty ``notebooks/`` to run in, its own workspace (``.localbricks``: Delta tables, MLflow store,
progress), its own home, and the course's data and packages read-only. What the kernel can reach
beyond that depends on the level the machine offers (:func:`detect_level`):

``user+namespaces`` (Linux, grader run as root)
    bubblewrap (Debian's ``bubblewrap``) in new mount, PID, network, IPC and UTS namespaces; inside,
    util-linux ``setpriv`` makes the kernel the unprivileged ``nobody`` with no capabilities. The kernel sees the
    system read-only, the course at its usual path with ``solutions/``, ``tests/``, ``.git`` and the
    grader's own folders absent, a private ``/tmp`` and home, no network but loopback, and only
    its own processes.
``namespaces`` (Linux, normal user with unprivileged user namespaces)
    the same walls, with the kernel running as the grader's own uid.
``scratch`` (macOS, or Linux without bubblewrap)
    the scratch copy and its own process group only: paths relative to the notebook reach nothing
    of another submission, but absolute paths and the network are open. The static screen
    (:mod:`grader.screen`) and the grader's own record of each cell (:mod:`grader.cellrun`) do not
    depend on the level, so score inflation is refused at every level.

Inside the walls the course sits at the same absolute path as in the checkout and the home folder
is the grader's home path, so a notebook that looks for signs of being graded (environment,
paths, host name, processes) sees what a learner's kernel sees; the environment is built from
the same few variables a learner's shell passes on (:func:`kernel_environment`).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("user+namespaces", "namespaces", "scratch")
NOBODY = 65534

# Environment a learner's shell typically hands to JupyterLab, and with it to every kernel.
_PASSED_ON = ("LANG", "LANGUAGE", "TZ", "TERM", "SHELL", "JAVA_HOME")
_PASSED_ON_PREFIXES = ("LC_", "LOCALBRICKS_", "PYSPARK_", "SPARK_")
# ... except what would tell a graded kernel apart, or point it at the grader's own files.
_NEVER_PASSED = ("LOCALBRICKS_HOME", "PYSPARK_SUBMIT_ARGS")

# What a released notebook needs, read-only: the course's data, and its two packages (which may be
# installed from elsewhere than the checkout being graded). Everything else stays out.
DATA_FOLDER = "datasets"
PACKAGES = ("grader", "localbricks")


def _package_dirs() -> list[Path]:
    import importlib.util

    found = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found.append(Path(list(spec.submodule_search_locations)[0]).resolve())
    return found


@functools.lru_cache(maxsize=None)
def _bwrap_works(as_nobody: bool) -> bool:
    """Whether bubblewrap can make its namespaces here (containers and kernels may forbid it)."""
    if shutil.which("bwrap") is None or not sys.platform.startswith("linux"):
        return False
    if as_nobody and shutil.which("setpriv") is None:
        return False
    cmd = ["bwrap", *_namespace_flags(as_nobody), "--ro-bind", "/", "/", "--",
           *(_drop_to(NOBODY) if as_nobody else []), "true"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _namespace_flags(as_root: bool) -> list[str]:
    """bubblewrap's walls. As root no user namespace is needed, and the kernel's uid is dropped inside."""
    # --as-pid-1: the kernel is the namespace's init, so no bubblewrap process (and none of its
    # arguments, which name the grader's folders) is visible to it; everything dies with it.
    flags = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--as-pid-1"]
    if as_root:
        return [*flags, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return ["--unshare-user", *flags]


def _drop_to(uid: int) -> list[str]:
    """Become ``uid`` with no groups and no capabilities (util-linux ``setpriv``), then run the rest."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def detect_level() -> str:
    """The strongest level of :data:`LEVELS` this machine offers."""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and _bwrap_works(as_nobody=True):
        return "user+namespaces"
    if _bwrap_works(as_nobody=False):
        return "namespaces"
    return "scratch"


def kernel_environment(home: str, base: dict | None = None) -> dict:
    """The environment of a learner's kernel: PATH with this interpreter first, home, user, locale."""
    base = dict(os.environ if base is None else base)
    env = {name: base[name] for name in _PASSED_ON if name in base}
    env.update({name: value for name, value in base.items()
                if name.startswith(_PASSED_ON_PREFIXES) and name not in _NEVER_PASSED})
    system_path = "/usr/local/bin:/usr/bin:/bin"
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), system_path])
    env["HOME"] = home
    env["USER"] = env["LOGNAME"] = base.get("USER") or base.get("LOGNAME") or Path(home).name
    return env


def _tree_for(dst: Path, src: Path, owner: int | None) -> None:
    """A private copy of cache folder ``src`` at ``dst`` that costs no disk when it can.

    As root the files are hard links, still owned by root and not writable by ``owner``, while
    the folders belong to ``owner`` so the kernel can add files; otherwise a real copy.
    """
    if not src.is_dir():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    if owner is None:
        shutil.copytree(src, dst, symlinks=True)
        return
    subprocess.run(["cp", "-al", str(src), str(dst)], check=True)
    for folder, _, _ in os.walk(dst):
        os.chown(folder, owner, owner)


@dataclass
class Sandbox:
    """One submission's scratch folder and the command that starts its kernel inside it."""

    scratch: Path
    repo_root: Path
    level: str = "scratch"

    def __post_init__(self):
        self.scratch = Path(self.scratch)
        self.repo_root = Path(self.repo_root).resolve()
        if self.level not in LEVELS:
            raise ValueError(f"unknown sandbox level {self.level!r}; use one of {', '.join(LEVELS)}")
        self.home = Path.home()
        self.owner = NOBODY if self.level == "user+namespaces" else None

    # -- the kernel's view ------------------------------------------------------------------
    @property
    def walled(self) -> bool:
        return self.level != "scratch"

    @property
    def cwd(self) -> Path:
        """Where the kernel starts, as the grader sees it (it is ``notebooks/`` for the kernel too)."""
        return self.scratch / "course" / "notebooks"

    @functools.cached_property
    def runtime_dir(self) -> Path:
        """Where the kernel's connection file and sockets live, as the grader sees it.

        A short folder of its own: a Unix socket's path may not exceed about 100 characters.
        """
        return Path(tempfile.mkdtemp(prefix="k-", dir="/tmp" if Path("/tmp").is_dir() else None))

    def _inside_runtime(self) -> Path:
        return self.home / ".local" / "share" / "jupyter" / "runtime"

    def prepare(self) -> "Sandbox":
        """Create the scratch folder: notebooks/ with the released copies, a workspace, a home, private caches."""
        course = self.scratch / "course"
        for folder in (course / "notebooks", course / ".localbricks", self.scratch / "home", self.runtime_dir):
            folder.mkdir(parents=True, exist_ok=True)
        # the released notebooks, as in a learner's checkout (the question bank checks its lesson
        # pointers against them when solutions/ is absent, as it is here)
        for released in sorted((self.repo_root / "notebooks").glob("*.ipynb")):
            shutil.copyfile(released, course / "notebooks" / released.name)
            if self.owner is not None:
                os.chown(course / "notebooks" / released.name, self.owner, self.owner)
        if self.walled:
            _tree_for(self.scratch / "home" / ".ivy2.5.2", self.home / ".ivy2.5.2", self.owner)
            _tree_for(self.scratch / "home" / ".cache" / "matplotlib", self.home / ".cache" / "matplotlib", self.owner)
        else:
            if (self.repo_root / DATA_FOLDER).is_dir():  # a copy: no link leads back to the checkout's files
                shutil.copytree(self.repo_root / DATA_FOLDER, course / DATA_FOLDER)
            for f in self.repo_root.iterdir():
                if f.is_file() and not f.name.startswith("."):
                    shutil.copyfile(f, course / f.name)
        if self.owner is not None:
            self._passwd()
            for folder in (self.scratch, course, course / "notebooks", course / ".localbricks",
                           self.scratch / "home", self.scratch / "home" / ".cache", self.runtime_dir):
                if folder.exists():
                    os.chown(folder, self.owner, self.owner)
        return self

    def _passwd(self) -> None:
        """An /etc/passwd whose entry for the kernel's uid has the learner's home (Java reads it, not $HOME)."""
        lines = [line for line in Path("/etc/passwd").read_text().splitlines()
                 if line.split(":")[2:3] != [str(self.owner)]]
        lines.append(f"nobody:x:{self.owner}:{self.owner}:nobody:{self.home}:/usr/sbin/nologin")
        (self.scratch / "passwd").write_text("\n".join(lines) + "\n")

    def environment(self, base: dict | None = None) -> dict:
        """The kernel's environment (at ``scratch`` level the workspace is pointed at the copy)."""
        env = kernel_environment(str(self.home), base)
        if not self.walled:
            env["LOCALBRICKS_HOME"] = str(self.scratch / "course" / ".localbricks")
            env["PYTHONPATH"] = os.pathsep.join(str(p.parent) for p in _package_dirs())
        return env

    def kernel_connection_file(self, connection_file: Path) -> Path:
        """Rewrite the grader's connection file for the kernel's side of the walls; return its path there.

        Inside, the runtime folder sits at the learner's usual Jupyter runtime path; IPC sockets are
        used because a kernel without a network cannot be reached over TCP.
        """
        if not self.walled:
            return connection_file
        info = json.loads(Path(connection_file).read_text())
        inside = self._inside_runtime()
        info["ip"] = str(inside / Path(info["ip"]).name)
        twin = self.runtime_dir / ("k-" + Path(connection_file).name)
        twin.write_text(json.dumps(info))
        if self.owner is not None:
            os.chown(twin, self.owner, self.owner)
        return inside / twin.name

    def wrap(self, argv: list[str]) -> list[str]:
        """The command that runs ``argv`` (a kernel) inside this sandbox."""
        if not self.walled:
            return list(argv)
        r, home = self.repo_root, self.home
        binds = []  # (flag, source, destination), in mount order
        for prefix in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}):
            if not str(prefix).startswith("/usr"):
                binds.append(("--ro-bind", prefix, prefix))
        binds += [("--ro-bind", folder, folder) for folder in _package_dirs()]
        if (r / DATA_FOLDER).is_dir():
            binds.append(("--ro-bind", r / DATA_FOLDER, r / DATA_FOLDER))
        # the checkout's top-level files (requirements.txt, README.md…: the doctor cell reads them)
        binds += [("--ro-bind", f, f) for f in sorted(r.iterdir()) if f.is_file() and not f.name.startswith(".")]
        cache = home / ".cache" / "localbricks"
        if cache.is_dir():
            binds.append(("--ro-bind", cache, cache))
        course = self.scratch / "course"
        # the workspace where localbricks puts it by default: beside its package (the checkout, usually)
        workspaces = sorted({r / ".localbricks", *(p.parent / ".localbricks" for p in _package_dirs()
                                                   if p.name == "localbricks")})
        binds += [("--bind", course / ".localbricks", w) for w in workspaces]
        binds += [("--bind", course / "notebooks", r / "notebooks"),
                  ("--bind", self.runtime_dir, self._inside_runtime())]
        binds += [("--bind", self.scratch / "home" / name, home / name)
                  for name in (".ivy2.5.2", ".cache/matplotlib") if (self.scratch / "home" / name).exists()]
        cmd = ["bwrap", *_namespace_flags(self.owner is not None), "--hostname", socket.gethostname(),
               "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
               *(["--ro-bind", str(self.scratch / "passwd"), "/etc/passwd"] if self.owner is not None else []),
               "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm",
               "--perms", "1777", "--tmpfs", "/tmp",
               "--perms", "1777", "--tmpfs", "/var/tmp"]
        for top in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
            path = Path("/") / top
            if path.is_symlink():
                cmd += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                cmd += ["--ro-bind", str(path), str(path)]
        cmd += ["--bind", str(self.scratch / "home"), str(home)]
        made = {Path("/"), home, Path("/usr"), Path("/tmp")}
        for flag, src, dst in binds:
            for parent in reversed(Path(dst).parents):
                if parent in made:
                    continue
                made.add(parent)
                if parent.is_relative_to(home):  # inside the bound home: make it there, open to the kernel
                    here = self.scratch / "home" / parent.relative_to(home)
                    here.mkdir(mode=0o755, exist_ok=True)
                    if self.owner is not None:
                        os.chown(here, self.owner, self.owner)
                else:
                    cmd += ["--perms", "0755", "--dir", str(parent)]
            cmd += [flag, str(src), str(dst)]
        cmd += ["--chdir", str(r / "notebooks"), "--"]
        if self.owner is not None:
            cmd += _drop_to(self.owner)
        return cmd + list(argv)

    def remove(self) -> None:
        """Delete the scratch folder (what the kernel wrote goes with it)."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
