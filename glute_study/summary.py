"""A plain summary of a study: who is in it, what was left out, and the headline measures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._escape import markdown_cell
from .study import Study, load_study

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
    >>> text.splitlines()[0]
    '# Study summary: simulated (hypothesis, n=20, seed=1)'
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


def write_summary(study_dir: str | Path, out: Path, *, min_valid_days: int = 4) -> Path:
    """Validate ``study_dir`` and write the summary files to ``out``; returns ``out``."""
    study = load_study(study_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = study.analysis_table(min_valid_days=min_valid_days)
    _write_csv(table, out / "analysis_table.csv")
    _write_csv(study.exclusions_for(min_valid_days=min_valid_days), out / "exclusions.csv")
    _write_csv(study.flow(min_valid_days=min_valid_days), out / "flow.csv")
    _write_csv(study.problems, out / "problems.csv")
    (out / "summary.md").write_text(summary_markdown(study, min_valid_days=min_valid_days),
                                    encoding="utf-8")
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
