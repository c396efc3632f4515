"""A plain summary of a study: who is in it, what was left out, and the headline measures."""

from __future__ import annotations

from pathlib import Path

from ._checks import VALID_DAYS, check_count
from ._escape import markdown_cell
from ._files import make_folder, prepare_outputs, record_owned, refuse_inside, write_files
from .study import Study, load_study

#: The files :func:`write_summary` writes.
SUMMARY_FILES = ("analysis_table.csv", "exclusions.csv", "flow.csv", "problems.csv", "summary.md")

__all__ = ["summary_markdown", "write_summary"]

_MEASURES = ("age", "body_mass_kg", "sitting_h_day", "sitting_days", "self_report_sitting_h_day",
             "glute_nm_kg", "bridge_reps", "glute_onset_delay_ms", "exposure_h", "cramps",
             "hamstring_cramps")


def summary_markdown(study: Study, *, min_valid_days: int = 4) -> str:
    """A short Markdown summary: the flow, the measures (n, mean, SD, range) and exclusions.

    Examples
    --------
    >>> from glute_study import simulate_study
    >>> text = summary_markdown(simulate_study(n=20, seed=1))
    >>> print(text.splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    # Study summary: Simulated cohort of 20 athletes (the world where the coaching claim is
    true, seed 1)
    """
    table = study.analysis_table(min_valid_days=min_valid_days)
    flow = study.flow(min_valid_days=min_valid_days)
    exclusions = study.exclusions_for(min_valid_days=min_valid_days)
    name = study.metadata.get("name", "study")
    lines = [f"# Study summary: {markdown_cell(name)}", "", "## Flow", "",
             "| stage | n | excluded | reason |", "|---|---|---|---|"]
    lines += [_row(r.stage, r.n, r.excluded, r.reason) for r in flow.itertuples()]
    lines += ["", "## Measures", "", "| measure | n | mean | SD | min | max |",
              "|---|---|---|---|---|---|"]
    for col in _MEASURES:
        x = table[col].dropna()
        if len(x):
            lines.append(f"| {col} | {len(x)} | {x.mean():.2f} | {x.std():.2f} | {x.min():.2f} "
                         f"| {x.max():.2f} |")
        else:
            lines.append(f"| {col} | 0 | | | | |")
    exposure = table["exposure_h"].sum()
    if exposure > 0:
        rate = 1000 * table["hamstring_cramps"].sum() / exposure
        lines += ["", f"Hamstring cramps: {int(table['hamstring_cramps'].sum())} in "
                      f"{exposure:.0f} h of exposure ({rate:.2f} per 1000 h)."]
    lines += ["", "## Left out of the analysis table", ""]
    if exclusions.empty:
        lines.append("Nothing.")
    else:
        counts = exclusions.groupby(["table", "reason"]).size().reset_index(name="rows")
        lines += ["| table | reason | rows |", "|---|---|---|"]
        lines += [_row(r.table, r.reason, r.rows) for r in counts.itertuples()]
    warnings = study.warnings
    lines += ["", f"Validation warnings: {len(warnings)}."]
    return "\n".join(lines) + "\n"


def _row(*cells: object) -> str:
    return "| " + " | ".join(markdown_cell(c) for c in cells) + " |"


def write_summary(study_dir: str | Path, out: Path, *, min_valid_days: int = 4,
                  overwrite: bool = False) -> Path:
    """Validate ``study_dir`` and write the summary files (:data:`SUMMARY_FILES`) to ``out``.

    ``min_valid_days`` (1 to 28) is checked first. The files are written whole, as one group; a
    file of those names that glute_study did not write into ``out`` is refused (before the study
    is read) unless ``overwrite``. Returns ``out``.
    """
    check_count("min_valid_days", min_valid_days, VALID_DAYS)
    out = Path(out)
    refuse_inside(out, study_dir)
    prepare_outputs(out, SUMMARY_FILES, overwrite=overwrite)
    study = load_study(study_dir)
    table = study.analysis_table(min_valid_days=min_valid_days)
    frames = [table, study.exclusions_for(min_valid_days=min_valid_days),
              study.flow(min_valid_days=min_valid_days), study.problems]
    contents = [f.to_csv(index=False, lineterminator="\n").encode("utf-8") for f in frames]
    contents.append(summary_markdown(study, min_valid_days=min_valid_days).encode("utf-8"))
    make_folder(out)
    write_files({out / name: data for name, data in zip(SUMMARY_FILES, contents)})
    record_owned(out, SUMMARY_FILES)
    return out
