"""Map a REDCap export onto the study tables, as a YAML mapping says.

:func:`load_mapping` reads the mapping (start from ``glute_study/io/templates/redcap_mapping.yaml``)
and :func:`redcap_to_study` turns the typed tables of :func:`~glute_study.io.read_redcap` into
codebook tables: which REDCap field fills which study column, with what scale, value map or type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._checks import check_one_of
from .._text import read_text
from ..errors import InputError
from .redcap import RedcapExport

__all__ = ["load_mapping", "redcap_to_study"]

_SPEC_KEYS = {"field", "value", "scale", "map", "as"}
_AS = ("year", "date", "datetime", "bool", "code", "str", "int", "float")


def load_mapping(mapping: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The mapping of REDCap fields to study tables, and where it came from (for messages).

    ``mapping`` is a YAML file (start from ``glute_study/io/templates/redcap_mapping.yaml``) or
    an already loaded dict. The import workflow reads the participant-id prefix from it.

    Examples
    --------
    >>> load_mapping({"tables": {}})
    ({'tables': {}}, 'the mapping')
    >>> load_mapping("no/such.yaml")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: mapping file no/such.yaml not found; start from the \
template glute_study/io/templates/redcap_mapping.yaml.
    """
    import yaml

    if isinstance(mapping, Mapping):
        return dict(mapping), "the mapping"
    path = Path(mapping)
    if not path.is_file():
        raise InputError(f"mapping file {path} not found; start from the template "
                         "glute_study/io/templates/redcap_mapping.yaml.")
    text = read_text(path)  # the package's one decoder: UTF-8 (BOM or not), UTF-16, cp1252
    try:
        loaded = yaml.safe_load("\n".join(text.lines))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}{where}: not valid YAML ({getattr(err, 'problem', err)}).") \
            from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: expected a YAML mapping with a 'tables' key; got "
                         f"{type(loaded).__name__}.")
    return loaded, str(path)


def redcap_to_study(
    export: RedcapExport,
    mapping: str | Path | Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """Turn a REDCap export into study tables with a small YAML mapping.

    Parameters
    ----------
    export : RedcapExport
        As returned by :func:`read_redcap`.
    mapping : str, Path or dict
        A YAML file (or the dict it holds). Keys:

        ``participant_id`` (optional)
            ``{prefix: "GS-"}``: the study id is the prefix plus the record id.
        ``tables`` (required)
            For each study table (``participants``, ``sitting``, ``exposure``, ``cramps``,
            ``strength``, ``activation``): ``form`` (the REDCap instrument), ``columns`` (study
            column -> source), optional ``where`` (``{field: value or [values]}``, rows to
            keep, compared with the decoded labels).

        A source is a field name, or a dict with ``field`` (a field of the form, or
        ``redcap_repeat_instance`` / ``redcap_event_name``) or ``value`` (a constant), and
        optionally ``scale`` (multiply numbers), ``map`` (``{label: value}``) and ``as``
        (``year``, ``date``, ``datetime``, ``bool``, ``code``, ``str``, ``int``, ``float``).
        Category columns of the codebook get their labels turned into codes (``Semi
        professional`` -> ``semi_professional``) and boolean columns accept ``Yes``/``No``
        without being told.

    Returns
    -------
    dict of str to pandas.DataFrame
        One table per mapped study table, columns in codebook order, ``participant_id`` first.
        Types are not validated here; :func:`glute_study.load_study` does that.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "dict.csv").write_text(
    ...     '"Variable / Field Name","Form Name","Field Type","Field Label",'
    ...     '"Choices, Calculations, OR Slider Labels",'
    ...     '"Text Validation Type OR Show Slider Number"\\n'
    ...     'athlete,diary,text,"Athlete",,\\n'
    ...     'when,diary,text,"Start",,datetime_ymd\\n'
    ...     'muscle,diary,radio,"Muscle","1, Hamstring | 2, Calf",\\n'
    ...     'minutes,diary,text,"Minutes",,number\\n'
    ...     'stopped,diary,yesno,"Stopped playing",,\\n')
    >>> _ = (folder / "data.csv").write_text(
    ...     "athlete,redcap_repeat_instrument,redcap_repeat_instance,when,muscle,minutes,stopped,"
    ...     "diary_complete\\n"
    ...     "7,diary,1,2026-03-01 18:20,1,1.5,1,2\\n")
    >>> from glute_study.io.redcap import read_redcap
    >>> export = read_redcap(folder / "data.csv", folder / "dict.csv")
    >>> tables = redcap_to_study(export, {
    ...     "participant_id": {"prefix": "P"},
    ...     "tables": {"cramps": {"form": "diary", "columns": {
    ...         "datetime": "when", "muscle": "muscle", "stopped_play": "stopped",
    ...         "duration_s": {"field": "minutes", "scale": 60}}}}})
    >>> tables["cramps"]
      participant_id            datetime     muscle  duration_s  stopped_play
    0             P7 2026-03-01 18:20:00  hamstring        90.0          True
    """
    from ..codebook import CODEBOOK

    spec, where = load_mapping(mapping)
    unknown = set(spec) - {"version", "participant_id", "tables"}
    if unknown:
        raise InputError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
                         "allowed: version, participant_id, tables.")
    tables = spec.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise InputError(f"{where}: needs a 'tables' mapping (study table -> form and columns).")
    pid_spec = spec.get("participant_id") or {}
    if not isinstance(pid_spec, dict) or set(pid_spec) - {"prefix"}:
        raise InputError(f"{where}: participant_id: expected {{prefix: \"GS-\"}} (or nothing); "
                         f"got {pid_spec!r}.")
    prefix = str(pid_spec.get("prefix") or "")
    out: dict[str, pd.DataFrame] = {}
    for name, tspec in tables.items():
        if name not in CODEBOOK:
            raise InputError(f"{where}: tables.{name} is not a study table; use one of "
                             f"{', '.join(CODEBOOK)}.")
        if not isinstance(tspec, dict) or "form" not in tspec or "columns" not in tspec:
            raise InputError(f"{where}: tables.{name} needs 'form' and 'columns'.")
        bad = set(tspec) - {"form", "columns", "where"}
        if bad:
            raise InputError(f"{where}: tables.{name} has unknown key(s) "
                             f"{', '.join(sorted(bad))}; allowed: form, columns, where.")
        for key in ("columns", "where"):
            if tspec.get(key) is not None and not isinstance(tspec[key], dict):
                pairs = "study column: field" if key == "columns" else "field: label"
                raise InputError(f"{where}: tables.{name}.{key}: expected a mapping ({pairs}, "
                                 f"one per line); got {tspec[key]!r}.")
        form = tspec["form"]
        if form not in export.forms:
            raise InputError(f"{where}: tables.{name}.form '{form}' is not a form of the export "
                             f"(forms: {', '.join(export.forms)}).")
        data = export.form(form)
        for fld, wanted in (tspec.get("where") or {}).items():
            _require_field(data, fld, f"{where}: tables.{name}.where")
            wanted = wanted if isinstance(wanted, list) else [wanted]
            _require_labels(data[fld], fld, wanted, f"{where}: tables.{name}.where")
            data = data[data[fld].astype("object").isin(wanted).to_numpy()]
        table = CODEBOOK[name]
        result = {"participant_id": prefix + data[export.id_column].astype(str)}
        for col, source in tspec["columns"].items():
            if col not in table.names:
                raise InputError(f"{where}: tables.{name}.columns.{col} is not a column of "
                                 f"{name}; use one of {', '.join(table.names)}.")
            key = f"{where}: tables.{name}.columns.{col}"
            series = _source(data, source, key)
            try:
                result[col] = _to_codebook(series, table.column(col))
            except (ValueError, TypeError) as err:
                why = str(err).splitlines()[0]
                raise InputError(f"{key}: the values do not fit {name}.{col} "
                                 f"({table.column(col).expected()}): {why}.") from None
        frame = pd.DataFrame(result).reset_index(drop=True)
        out[name] = frame[[c for c in table.names if c in frame.columns]]
    return out


def _require_field(data: pd.DataFrame, fld: str, where: str) -> None:
    if fld not in data.columns:
        raise InputError(f"{where}: field '{fld}' is not in this form (fields: "
                         f"{', '.join(map(str, data.columns))}).")


def _require_labels(series: pd.Series, fld: str, wanted: list, where: str) -> None:
    """Values asked for a coded field must be among its labels (a typo would select nothing)."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return
    labels = list(series.cat.categories)
    for value in wanted:
        if value not in labels:
            raise InputError(f"{where}: {value!r} is not a label of field '{fld}' (labels: "
                             f"{', '.join(map(str, labels))}); labels are matched exactly, as "
                             "the data dictionary spells them.")


def _source(data: pd.DataFrame, source: Any, where: str) -> pd.Series:
    if isinstance(source, str):
        source = {"field": source}
    if not isinstance(source, dict):
        raise InputError(f"{where}: expected a field name or a dict with 'field' or 'value'; got "
                         f"{source!r}.")
    bad = set(source) - _SPEC_KEYS
    if bad or ("field" in source) == ("value" in source):
        raise InputError(f"{where}: give exactly one of 'field' or 'value', plus optional "
                         f"'scale', 'map', 'as'; got keys {', '.join(sorted(source))}.")
    if "value" in source:
        series = pd.Series([source["value"]] * len(data), index=data.index, dtype="object")
    else:
        _require_field(data, source["field"], where)
        series = data[source["field"]]
    if "map" in source:
        mapping = source["map"]
        if not isinstance(mapping, dict):
            raise InputError(f"{where}.map: expected {{label: value}} pairs; got {mapping!r}.")
        _require_labels(series, source.get("field", ""),
                        list(mapping), f"{where}.map")
        series = series.astype("object").map(lambda v: mapping.get(v, v) if pd.notna(v) else v)
    try:
        if "scale" in source:
            series = pd.to_numeric(series, errors="raise") * float(source["scale"])
        if "as" in source:
            check_one_of(f"{where}.as", source["as"], _AS)
            series = _as(series, source["as"])
    except (ValueError, TypeError) as err:
        why = str(err).splitlines()[0]
        raise InputError(f"{where}: the values of {source.get('field', 'the constant')!r} do not "
                         f"convert ({why}); check the field named here.") from None
    return series


def _snake(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    return re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")


def _as(series: pd.Series, kind: str) -> pd.Series:
    if kind in ("year", "date", "datetime"):
        if not pd.api.types.is_datetime64_any_dtype(series):
            series = pd.to_datetime(series.astype("object"), format="ISO8601")
        if kind == "year":
            return series.dt.year.astype("Int64")
        return series.dt.normalize() if kind == "date" else series
    if kind == "bool":
        truth = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
        return series.astype("object").map(
            lambda v: truth.get(str(v).strip().lower(), v) if pd.notna(v) else pd.NA
        ).astype("boolean")
    if kind == "code":
        return series.astype("object").map(_snake)
    if kind == "int":
        numbers = pd.to_numeric(series)
        odd = numbers.notna() & (numbers != numbers.round())
        if odd.any():
            raise ValueError(f"{numbers[odd].iloc[0]:g} is not a whole number")
        return numbers.astype("Int64")
    if kind == "float":
        return pd.to_numeric(series).astype("float64")
    return series.astype("object").map(lambda v: str(v) if pd.notna(v) else v)


def _to_codebook(series: pd.Series, column: Any) -> pd.Series:
    if column.dtype == "category":
        return _as(series, "code")
    if column.dtype == "boolean" and not pd.api.types.is_bool_dtype(series):
        return _as(series, "bool")
    if column.dtype == "date" and pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.normalize()
    if column.dtype == "string" and not pd.api.types.is_string_dtype(series):
        return _as(series, "str")
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype("object")
    return series
