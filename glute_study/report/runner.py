"""Run the study notebooks headless into one reproducible, cached, journal-ready report.

A report folder holds, for each notebook, the executed ``NN_name.ipynb`` and ``NN_name.html``;
``figures/`` and ``tables/`` with what the notebooks recorded; ``methods.md``, ``results.md``,
``index.html``, ``checklists.md``, ``manuscript.docx``, ``manuscript.pdf`` and
``provenance.json``; and ``_cache/`` (not committed) with the records and the
cache keys. A notebook runs again only when its cache key changes: the SHA-256 of its source, of
the parameters, of the input data files and of the package code.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import (
    check_writable,
    make_folder,
    record_owned,
    refuse_foreign,
    refuse_inside,
    replacing,
    write_text,
)
from ..errors import GluteStudyError, InputError
from ..parallel import local_process_pool
from ._owned import OVERWRITE_ENV, report_owned
from .checklists import checklist_tables, evaluate, study_design, write_checklists
from .data import DEMO_DESIGN, PRELOAD_ENV, demo_folder, open_study
from .manuscript import MANUSCRIPT_FILES, write_manuscript
from .params import PARAMETERS, check_parameters
from .provenance import code_hash, file_hashes, package_versions, provenance, write_json
from .writers import RECORDS_DIR, NotebookReport, write_index, write_methods, write_results

__all__ = ["NOTEBOOKS_DIR", "ReportError", "RunSummary", "find_notebooks", "run_report"]

#: The study notebooks shipped with the project.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"

KEYS_DIR = Path("_cache") / "keys"


class ReportError(GluteStudyError):
    """A notebook failed while the report ran; the message names the notebook and the cell."""


@dataclass
class RunSummary:
    """What :func:`run_report` did: the folder, and which notebooks ran or came from the cache."""

    out: Path
    executed: list[str]
    cached: list[str]

    def __str__(self) -> str:
        return (f"report written to {self.out}: {len(self.executed)} notebook(s) executed, "
                f"{len(self.cached)} from cache")


def find_notebooks(
    notebooks_dir: str | Path | None = None, *, only: Sequence[str] | None = None
) -> list[Path]:
    """The numbered notebooks ``NN_name.ipynb`` of ``notebooks_dir``, in order.

    Parameters
    ----------
    notebooks_dir : str or Path, optional
        Folder of the notebooks (the project's ``notebooks/`` by default).
    only : sequence of str, optional
        Numbers or stems to keep, e.g. ``["04", "05"]``; an unknown one is an error.

    Examples
    --------
    >>> [p.stem[:2] for p in find_notebooks(only=["01", "04"])]
    ['01', '04']
    """
    folder = Path(notebooks_dir) if notebooks_dir is not None else NOTEBOOKS_DIR
    if not folder.is_dir():
        raise InputError(f"notebook folder {folder} does not exist.")
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return found
    keep = []
    for want in only:
        want = want.strip()
        match = [p for p in found if p.stem == want or p.stem.split("_", 1)[0] == want]
        if not match:
            have = ", ".join(p.stem for p in found)
            raise InputError(f"--only {want!r} matches no notebook; there are: {have}.")
        keep += [m for m in match if m not in keep]
    return sorted(keep)


def _parameters_cell(nb: dict[str, Any], path: Path) -> tuple[int, list[str]]:
    """Index of the cell tagged ``parameters`` and the names it assigns."""
    for i, cell in enumerate(nb["cells"]):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse(cell["source"] if isinstance(cell["source"], str)
                             else "".join(cell["source"]))
            names = []
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            unknown = [n for n in names if n not in PARAMETERS]
            if unknown:
                raise InputError(
                    f"{path.name}: the parameters cell sets {unknown}, which are not report "
                    f"parameters; use names from glute_study.report.PARAMETERS."
                )
            return i, names
    raise InputError(f"{path.name} has no cell tagged 'parameters'; tag the cell that sets them.")


def _injected_source(names: list[str], values: Mapping[str, Any]) -> str:
    lines = ["# Parameters injected by glute-study report"]
    lines += [f"{name} = {values[name]!r}" for name in names]
    return "\n".join(lines) + "\n"


def _cache_key(nb_bytes: bytes, values: Mapping[str, Any], inputs: Mapping[str, str],
               code: str) -> str:
    # out_dir is left out: a report folder that is moved or copied keeps its cache.
    shown = {k: v for k, v in values.items() if k != "out_dir"}
    body = json.dumps({"notebook": hashlib.sha256(nb_bytes).hexdigest(), "parameters": shown,
                       "inputs": dict(sorted(inputs.items())), "code": code, "kernel":
                       sys.executable}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _last_seconds(out: Path, stem: str) -> float:
    """How long the notebook took the last time it ran into ``out`` (0 when unknown)."""
    try:
        return float(json.loads((out / KEYS_DIR / f"{stem}.json").read_text())["seconds_execute"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _is_cached(out: Path, stem: str, key: str) -> bool:
    key_file = out / KEYS_DIR / f"{stem}.json"
    records = out / RECORDS_DIR / f"{stem}.json"
    needed = [out / f"{stem}.ipynb", out / f"{stem}.html", key_file, records]
    if not all(p.is_file() for p in needed):
        return False
    if json.loads(key_file.read_text())["key"] != key:
        return False
    entries = json.loads(records.read_text())["entries"]
    return all((out / f).is_file() for e in entries for f in e["files"])


def _own_outputs(stem: str) -> list[str]:
    """The files of one notebook that the runner itself writes (paths relative to the report)."""
    return [f"{stem}.ipynb", f"{stem}.html", (KEYS_DIR / f"{stem}.json").as_posix(),
            (RECORDS_DIR / f"{stem}.json").as_posix()]


#: The report's own files beside the notebooks'.
#: What the manuscript was last written from (:func:`write_manuscript`'s ``cache``).
MANUSCRIPT_KEY = (KEYS_DIR / "manuscript.json").as_posix()
REPORT_FILES = ("methods.md", "results.md", "index.html", "provenance.json", "checklists.md",
                *MANUSCRIPT_FILES, MANUSCRIPT_KEY,
                *(f"tables/primary_hypotheses.{ext}" for ext in ("csv", "tex", "docx")))


def _clear_outputs_of(out: Path, stem: str) -> None:
    """Remove what this notebook wrote before (its figures, tables, copies and records); files
    the report did not write stay, whatever their names."""
    prefix = stem.split("_", 1)[0] + "_"
    owned = report_owned(out)
    for sub in ("figures", "tables"):
        for p in (out / sub).glob(prefix + "*"):
            if p.relative_to(out).as_posix() in owned:
                p.unlink()
    for name in _own_outputs(stem):
        if name in owned:
            (out / name).unlink(missing_ok=True)


@dataclass
class _Job:
    path: Path
    out: Path
    values: dict[str, Any]
    key: str
    overwrite: bool = False


def _failure_message(nb: Any, job: _Job, error: BaseException) -> str:
    code_number = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            code_number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = cell.source.strip().splitlines()[:1]
                return (
                    f"notebook {job.path.name} failed in cell {i + 1} (code cell {code_number}, "
                    f"starting {first[0] if first else ''!r}): {output.get('ename')}: "
                    f"{output.get('evalue')}. The partly executed notebook is kept at "
                    f"{job.out / job.path.name}."
                )
    return (f"notebook {job.path.name} failed: {type(error).__name__}: {error}. The partly "
            f"executed notebook is kept at {job.out / job.path.name}.")


def _execute(job: _Job) -> str | None:
    """Run one notebook (in a worker process of its own); return None on success, else the
    failure message."""
    import nbformat

    from .executor import CellTimeout, execute_notebook

    started = time.perf_counter()
    stem = job.path.stem
    _clear_outputs_of(job.out, stem)
    nb = nbformat.read(job.path, as_version=4)
    index, names = _parameters_cell(nb, job.path)
    injected = nbformat.v4.new_code_cell(_injected_source(names, job.values))
    injected.metadata["tags"] = ["injected-parameters"]
    injected.id = "injected-parameters"
    nb.cells.insert(index + 1, injected)
    message = None
    try:
        env = _notebook_env(overwrite=job.overwrite)
        if not execute_notebook(nb, cwd=job.path.parent, env=env):
            message = _failure_message(nb, job, RuntimeError("a cell raised"))
    except CellTimeout as error:
        message = _failure_message(nb, job, error)
    executed = time.perf_counter()
    with replacing(job.out / f"{stem}.ipynb") as tmp:
        nbformat.write(nb, tmp)
    if message is None:
        _write_notebook_html(nb, job.out / f"{stem}.html")
        # Timings live in the cache folder only: the report's own files carry no clock.
        write_json({"key": job.key, "seconds_execute": round(executed - started, 2),
                    "seconds_html": round(time.perf_counter() - executed, 2)},
                   job.out / KEYS_DIR / f"{stem}.json")
    return message


def _notebook_env(*, overwrite: bool = False) -> dict[str, str]:
    """What the notebook's process sets in its environment before the first cell."""
    return {OVERWRITE_ENV: "1" if overwrite else "0",  # may the notebook replace others' files?
            "MPLBACKEND": "module://matplotlib_inline.backend_inline", "SOURCE_DATE_EPOCH": "0",
            "TQDM_DISABLE": "1"}


#: The workers' environment: string hashing fixed, so that every run orders sets alike, and one
#: BLAS thread, so that sums are made in the same order on a machine with any number of cores
#: (and two workers on two cores do not fight over them).
_WORKER_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}


def _start_fork_server(values: Mapping[str, Any] | None = None) -> None:
    """Start the fork server the notebook workers are forked from, with the scientific stack
    imported and the study of ``values`` (the report parameters) opened (:mod:`._preload`),
    and the environment of :data:`_WORKER_ENV` (string hashing fixed, one BLAS thread). It
    inherits this process's ``sys.path``, so the workers import the very glute_study the cache
    key hashed. It returns at once: the server imports while this process goes on. Nothing
    happens where the server runs already (a pool started it earlier in this process) or where
    there is none (Windows spawns)."""
    import multiprocessing
    from multiprocessing import forkserver

    if os.name == "nt":
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["glute_study.report._preload"])
    env = dict(_WORKER_ENV)
    if values is not None:
        env[PRELOAD_ENV] = json.dumps({k: values[k] for k in ("study_dir", "n", "seed",
                                                              "scenario")})
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


@functools.cache
def html_exporter() -> Any:
    """The one HTML exporter of this process: its templates are compiled on first use, once
    (in the fork server, before the workers are forked from it), not once per notebook."""
    from nbconvert import HTMLExporter

    return HTMLExporter()


def _write_notebook_html(nb: Any, path: Path) -> None:
    body, _ = html_exporter().from_notebook_node(nb)
    write_text(path, body)


def _progress_bar(total: int, progress: bool | None, desc: str):
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if progress is None else not progress
    return tqdm(total=total, desc=desc, unit="notebook", disable=disable)


def _data_sentence(values: Mapping[str, Any], inputs: Mapping[str, str],
                   truth: Mapping[str, Any] | None = None) -> str:
    version = package_versions()["glute_study"]
    if values["study_dir"]:
        text = (f"Data were read from the study folder '{Path(values['study_dir']).name}' "
                f"({len(inputs)} files; their SHA-256 hashes are listed in provenance.json).")
        if truth:
            text += (f" The data in it are simulated: glute_study's simulator wrote them "
                     f"(scenario '{truth.get('scenario', '')}', n = {truth.get('n', '')} "
                     f"participants, seed {truth.get('seed', '')}) and left its truth in "
                     "study.json, so every effect in them is an assumption set by the "
                     "simulator, not an empirical finding.")
        return text
    return (f"The demonstration cohort was simulated with glute_study {version} "
            f"(scenario '{values['scenario']}', n = {values['n']} participants, seed "
            f"{values['seed']}); every effect in it is an assumption set by the simulator, "
            f"not an empirical finding.")


def _parameters_sentence(values: Mapping[str, Any]) -> str:
    """The parameters that shaped this report, in words: a study folder's report leaves out
    the size and world of a simulation it did not run, and names the folder, not its path.

    Examples
    --------
    >>> v = {"study_dir": "/data/my_study", "out_dir": "/r", "seed": 7, "n": 400,
    ...      "scenario": "hypothesis", "alpha": 0.05, "n_boot": 5000, "n_sims": 100}
    >>> print(_parameters_sentence(v))  # doctest: +NORMALIZE_WHITESPACE
    Study folder 'my_study'; significance level 5 %; 5,000 bootstrap replicates; 100 simulated
    studies per sample size in the power analyses; random seed 7 for resampling.
    >>> print(_parameters_sentence({**v, "study_dir": ""}))  # doctest: +NORMALIZE_WHITESPACE
    Simulated cohort of 400 athletes (the world where the coaching claim is true), random seed 7
    for the cohort and for resampling; significance level 5 %; 5,000 bootstrap replicates; 100
    simulated studies per sample size in the power analyses.
    """
    from ..simulate import SCENARIO_WORDS

    rest = (f"significance level {100 * float(values['alpha']):g} %; "
            f"{int(values['n_boot']):,} bootstrap replicates; "
            f"{int(values['n_sims']):,} simulated studies per sample size in the power analyses")
    if values["study_dir"]:
        return (f"Study folder '{Path(values['study_dir']).name}'; {rest}; random seed "
                f"{values['seed']} for resampling.")
    world = SCENARIO_WORDS.get(values["scenario"], f"scenario {values['scenario']!r}")
    return (f"Simulated cohort of {int(values['n']):,} athletes ({world}), random seed "
            f"{values['seed']} for the cohort and for resampling; {rest}.")


def _software_sentence() -> str:
    v = package_versions()
    shown = ", ".join(f"{k} {v[k]}" for k in ("numpy", "scipy", "pandas", "statsmodels",
                                                 "matplotlib") if k in v)
    return (f"Analyses were run in Python {v['python']} ({shown}) and assembled into this "
            f"report by glute_study {v['glute_study']}; provenance.json records the input "
            f"hashes, parameters, seeds and git commit.")


def run_report(
    out: str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
    force: bool = False,
    notebooks_dir: str | Path | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
) -> RunSummary:
    """Execute the study notebooks into the report folder ``out``.

    Parameters, and the study in ``study_dir`` (with :func:`~glute_study.load_study`), are
    checked before anything runs. Independent notebooks run two at a time, each in a new
    process and a new IPython shell (:mod:`glute_study.report.executor`). A notebook whose
    cache key (its source, the parameters, the input data hashes and the package code hash) is
    unchanged is not run again unless ``force``. A failing notebook stops the report (running
    ones finish, the others are cancelled): the partly executed notebook is kept and
    :class:`ReportError` names the notebook and the cell.

    Parameters
    ----------
    out : str or Path
        Report folder, e.g. ``reports/demo``; created when missing.
    parameters : mapping, optional
        Report parameters (see :data:`~glute_study.report.PARAMETERS`); strings are converted.
    only : sequence of str, optional
        Notebook numbers or stems to run, e.g. ``["04", "05"]`` (all by default). The report
        files still include every other notebook whose outputs are up to date.
    force : bool
        Run every selected notebook even when its cached outputs are up to date.
    notebooks_dir : str or Path, optional
        Folder of the notebooks (the project's ``notebooks/`` by default).
    progress : bool or None
        Show a progress bar; ``None`` shows one only on an interactive terminal.
    overwrite : bool
        Replace files in the way that the report did not write (a user's ``methods.md``, a
        table of the same name). Without it they stop the report, named, before anything runs
        (or, for a notebook's tables and figures, when the notebook records them). The report
        removes only files it wrote (it lists them in ``.glute_study_files``), never others.

    Returns
    -------
    RunSummary
        The folder and the notebooks executed and taken from the cache.

    Raises
    ------
    InputError
        For an unknown, ill-typed or out-of-range parameter, or an unknown notebook in
        ``only``.
    ValidationError
        When the study in ``study_dir`` has errors (before any notebook starts).
    ReportError
        When a notebook fails.
    OverwriteError
        When a file the report did not write is in the way (see ``overwrite``).
    WriteError
        When the folder cannot be written (read-only, full disk).

    Examples
    --------
    >>> run_report("reports/x", parameters={"sed": 1})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: unknown parameter 'sed' (did you mean 'seed'?); known: ...
    """
    values = check_parameters(dict(parameters or {}))
    paths = find_notebooks(notebooks_dir, only=only)
    if not paths:
        raise InputError(f"no notebooks named NN_name.ipynb in {notebooks_dir or NOTEBOOKS_DIR}.")
    out = Path(out).resolve()
    values["out_dir"] = str(out)
    demo = demo_folder(n=values["n"], seed=values["seed"], scenario=values["scenario"])
    if not values["study_dir"] and demo is not None:  # what the notebooks open: the shipped demo
        values["study_dir"] = str(demo)
    if values["study_dir"]:
        values["study_dir"] = str(Path(values["study_dir"]).resolve())
        refuse_inside(out, values["study_dir"])
    for path in paths:  # check every parameters cell before running anything
        _parameters_cell(json.loads(path.read_text(encoding="utf-8")), path)
    # A notebook without a cache key (or every one, with force) will run: its workers' server
    # starts now and imports the scientific stack while this process imports and checks the
    # study (pandas included: the runner's own imports leave it out for this).
    if force or any(not (out / KEYS_DIR / f"{p.stem}.json").is_file() for p in paths):
        _start_fork_server(values)
    from ..conduct import study_conduct
    from ..plan import analysis_plan
    from ..study import load_study

    study = None
    if values["study_dir"]:  # an invalid study is one error here, not one per notebook
        study = load_study(values["study_dir"])
        name = str(study.metadata.get("name") or Path(values["study_dir"]).name)
    else:  # the notebooks simulate a cohort of the demo's design: its title, in words
        from ..simulate import study_title

        name = study_title(n=values["n"], seed=values["seed"], scenario=values["scenario"],
                           n_teams=DEMO_DESIGN["n_teams"], every=DEMO_DESIGN["season"])
    plan = analysis_plan(study)  # a faulty plan in study.json, too, stops the report here
    study_conduct(study)  # and so does a faulty "conduct"

    inputs = file_hashes(values["study_dir"] or None)
    code = code_hash()
    check_writable(out)
    make_folder(out)
    jobs, cached = [], []
    for path in paths:
        key = _cache_key(path.read_bytes(), values, inputs, code)
        if not force and _is_cached(out, path.stem, key):
            cached.append(path.stem)
        else:
            jobs.append(_Job(path=path, out=out, values=values, key=key, overwrite=overwrite))
    # The files about to be written are claimed before anything runs (and after the check that
    # none of them is somebody else's), so that a kill leaves nothing the next run calls foreign.
    claimed = [*REPORT_FILES, *(name for job in jobs for name in _own_outputs(job.path.stem))]
    refuse_foreign(out, claimed, overwrite=overwrite, owned=report_owned(out))
    record_owned(out, claimed)
    if jobs:  # the workers' server imports the stack (one core) while this process imports
        _start_fork_server(values)  # what it needs after the notebooks (the other)
        from . import hypotheses  # noqa: F401
        from .tables import docx_bytes, new_docx

        docx_bytes(new_docx())  # python-docx reads its template's parts now, not at the end
    if study is None:  # the notebooks simulate their cohort: its design (arms, strength
        # sessions) and truth (the effects set) do not depend on its size: a small one tells them
        study = open_study("", n=min(values["n"], 40), seed=values["seed"],
                           scenario=values["scenario"])
    design = study_design(study)  # which checklists apply (here: while the server imports)
    # The longest first (by their last run here, when there was one), so that no long notebook
    # is left running alone at the end while the other worker waits.
    jobs.sort(key=lambda job: -_last_seconds(out, job.path.stem))

    failures = _run_jobs(jobs, progress=progress)
    if failures:
        raise ReportError(failures[0] if len(failures) == 1 else
                          f"{len(failures)} notebooks failed:\n" + "\n".join(failures))

    # The report holds every notebook whose outputs are up to date with these inputs: the ones
    # just run, and (after `--only`) the others that an earlier run left current.
    selected = {p.stem for p in paths}
    current = [p for p in find_notebooks(notebooks_dir) if p.stem in selected or _is_cached(
        out, p.stem, _cache_key(p.read_bytes(), values, inputs, code))]
    reports = [NotebookReport.load(out, p.stem) for p in current]
    notebooks = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in current}
    data = _data_sentence(values, inputs, study.truth)
    software = _software_sentence()
    from .hypotheses import hypotheses_section  # the statistics load only when they are needed

    # The plan's primary hypotheses come first, adjusted together, in every reader's file
    # (when the notebooks test any: a folder of other notebooks has no plan to report).
    planned = reports
    if any(rep.hypotheses for rep in reports):
        planned = [hypotheses_section(reports, plan, out, alpha=values["alpha"],
                                      sesoi=values["sesoi"], truth=study.truth),
                   *reports]
    else:
        for stale in REPORT_FILES:
            if stale.startswith("tables/primary_hypotheses."):
                (out / stale).unlink(missing_ok=True)
    write_methods(planned, out / "methods.md", data=data, software=software)
    write_results(planned, out / "results.md")
    shown = {k: v for k, v in values.items() if k != "out_dir"}
    write_index(planned, out / "index.html", title=f"glute_study report: {name}",
                summary=_parameters_sentence(values))
    write_json(provenance(parameters=shown, inputs=inputs, notebooks=notebooks, code=code,
                          command=sys.argv if sys.argv and sys.argv[0] else None),
               out / "provenance.json")
    checklists = evaluate(planned, out, design=design, data=data, software=software)
    write_checklists(checklists, out / "checklists.md", design=design)
    write_manuscript(planned, out, title=name, data=data, software=software,
                     appendix=checklist_tables(checklists), cache=out / MANUSCRIPT_KEY,
                     code=code, parallel=bool(jobs) and os.name != "nt")
    _prune_stale(out, {p.stem for p in find_notebooks(notebooks_dir)})
    # The list is committed with the report: it names every file this report may replace.
    record_owned(out, report_owned(out), keep_missing=False)
    return RunSummary(out=out, executed=sorted(j.path.stem for j in jobs), cached=cached)


def _run_jobs(jobs: list[_Job], *, progress: bool | None) -> list[str]:
    """Run the notebooks two at a time, each in a worker process of its own.

    A worker runs one notebook and ends, so no notebook sees another's namespace, figures or
    matplotlib settings. After a failure, notebooks not yet started are cancelled; running ones
    finish. When this process is killed or interrupted, the workers stop what they started and
    exit, writing nothing more.
    """
    if not jobs:
        return []
    failures = []
    bar = _progress_bar(len(jobs), progress, "notebooks")
    try:
        # One fresh process per notebook, forked from a server that has the imports; workers
        # end, with what they started, when this process is killed or interrupted.
        _start_fork_server()
        with local_process_pool(min(2, len(jobs)), max_tasks_per_child=1) as pool:
            futures = {pool.submit(_execute, job): job for job in jobs}
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                message = future.result()
                if message:
                    failures.append(message)
                    for other in futures:
                        other.cancel()
                bar.set_postfix_str(futures[future].path.stem, refresh=False)
                bar.update()
    finally:
        bar.close()
    return sorted(failures)


def _prune_stale(out: Path, known: set[str]) -> None:
    """Remove the executed copies of notebooks that no longer exist in the notebook folder."""
    owned = report_owned(out)
    for path in out.glob("[0-9][0-9]_*.ipynb"):
        if path.stem not in known:
            for name in _own_outputs(path.stem):
                if name in owned:
                    (out / name).unlink(missing_ok=True)
