"""Read REDCap exports (raw CSV + data dictionary) into typed tables.

A REDCap "CSV (raw data)" export holds one row per record (per event, per repeat instance) and one
column per field; the data dictionary says which form each field belongs to, its type and its
choices. :func:`read_redcap` uses the dictionary to give every column its type:

========================  ====================================================================
field type                becomes
========================  ====================================================================
radio, dropdown           categorical of the choice *labels* (``1, Hamstring | 2, Calf``)
yesno, truefalse          nullable boolean
checkbox                  one nullable boolean column per ``field___code``, and a long table
                          of ticked choices (:attr:`RedcapExport.checked`)
text (integer)            nullable integer
text (number*), calc,     float; a decimal comma (``1,5``) is read as a decimal point
slider
text (date_*/datetime_*)  datetime (REDCap writes raw dates as ``YYYY-MM-DD``)
anything else             text
``<form>_complete``       categorical ``incomplete`` / ``unverified`` / ``complete`` (0/1/2)
========================  ====================================================================

Rows of repeating instruments (``redcap_repeat_instrument`` set) go to their own long table, one
per instrument; ``redcap_event_name`` (longitudinal projects) is kept as a column everywhere.

Which form data are kept (``keep=``), judged per row and per form from ``<form>_complete``:

* ``"started"`` (default): everything, except that a form whose status is *incomplete* and in
  which nothing was entered (every field empty, every checkbox unticked) is treated as *not
  started*: its checkboxes become missing instead of "unticked" (REDCap exports 0 for them).
* ``"all"``: everything, as exported.
* ``"unverified"``: forms marked unverified or complete; data of incomplete forms become missing
  (rows of a repeating instrument are dropped).
* ``"complete"``: only forms marked complete.

Mapping the typed tables onto the study tables (the YAML mapping) is
:mod:`glute_study.io.redcap_mapping`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_one_of
from .._text import FileFormatError, read_text
from ..errors import GluteStudyWarning

__all__ = [
    "RedcapExport",
    "read_redcap",
]

_SPECIAL = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
)
_STATUS = {"0": "incomplete", "1": "unverified", "2": "complete"}
_KEEP = ("started", "all", "unverified", "complete")
_MISSING = {"", "na", "n/a", "nan", "null"}

# Dictionary headers as exported by the web interface, and as returned by the API.
_DICT_COLUMNS = {
    "field_name": ("variable / field name", "field_name"),
    "form_name": ("form name", "form_name"),
    "field_type": ("field type", "field_type"),
    "field_label": ("field label", "field_label"),
    "choices": ("choices, calculations, or slider labels", "select_choices_or_calculations"),
    "validation": ("text validation type or show slider number",
                   "text_validation_type_or_show_slider_number"),
}


@dataclass
class RedcapExport:
    """A REDCap export read with its data dictionary.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per record (and per event in a longitudinal project) with the fields of the
        non-repeating forms, typed and decoded; the record id column comes first.
    repeating : dict of str to pandas.DataFrame
        One long table per repeating instrument: record id, ``redcap_event_name`` (if any),
        ``redcap_repeat_instance``, then the instrument's fields and its ``<form>_complete``.
    checked : pandas.DataFrame
        Ticked checkbox choices, long: record id, ``redcap_event_name``, ``form``,
        ``redcap_repeat_instance``, ``field``, ``code``, ``label``.
    dictionary : pandas.DataFrame
        The data dictionary with normalised column names (``field_name``, ``form_name``,
        ``field_type``, ``field_label``, ``choices``, ``validation``).
    id_column : str
        Name of the record id column (the first field of the dictionary).
    source : str
        The data file read.
    notes : list of str
        What was noticed while reading (encoding, decimal commas, unknown columns).
    """

    records: pd.DataFrame
    repeating: dict[str, pd.DataFrame]
    checked: pd.DataFrame
    dictionary: pd.DataFrame
    id_column: str
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def forms(self) -> list[str]:
        """Form (instrument) names in dictionary order."""
        return list(dict.fromkeys(self.dictionary["form_name"]))

    def form(self, name: str) -> pd.DataFrame:
        """Return the data of one form, wherever it lives (main table or repeating table).

        Rows in which every field of the form is empty are left out. The record id,
        ``redcap_event_name`` and ``redcap_repeat_instance`` columns come first when present.

        Examples
        --------
        >>> from importlib.resources import files
        >>> import tempfile, pathlib
        >>> dictionary = files("glute_study.io") / "templates" / "redcap_dictionary.csv"
        >>> data = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
        >>> _ = data.write_text("record_id,dem_sex,demographics_complete\\n7,2,2\\n8,,0\\n")
        >>> read_redcap(data, dictionary).form("demographics")
          record_id dem_sex demographics_complete
        0         7    Male              complete
        """
        check_one_of("form", name, self.forms)
        if name in self.repeating:
            return self.repeating[name].copy()
        keys = [c for c in (self.id_column, *_SPECIAL) if c in self.records.columns]
        cols = [c for c in self.records.columns if c not in keys
                and _form_of_column(c, self.dictionary) == name]
        data = self.records[keys + cols]
        fields = [c for c in cols if c != f"{name}_complete"]
        has = data[fields].notna().any(axis=1) if fields else pd.Series(False, index=data.index)
        return data[has].reset_index(drop=True)


# ----------------------------------------------------------------------------- text helpers


def _read_csv_rows(path: Path, notes: list[str]) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and the line on which each row starts (1-based)."""
    source = read_text(path)
    if source.encoding == "cp1252" and not source.mixed:  # read_text warns of a mixed file
        notes.append(f"{source.path.name}: not UTF-8; read as Windows-1252/Latin-1")
    text = "\n".join(source.lines) + "\n"
    first = next(ln for ln in text.splitlines() if ln.strip())
    counts = {d: first.count(d) for d in (",", ";", "\t", "|", "^")}
    delimiter = max(counts, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [h.strip() for h in record]
                continue
            if len(record) != len(header):
                if len(record) < len(header) and start > len(text.splitlines()):
                    what = "the file looks truncated (cut off while writing or copying)"
                else:
                    what = "a quote or delimiter may be misplaced"
                raise FileFormatError(
                    path, line=line,
                    message=f"{len(record)} fields where the header has "
                    f"{len(header)}; {what}. Re-export the file from REDCap.")
            rows.append(record)
            lines.append(line)
    except csv.Error as err:
        raise FileFormatError(path, line=start, message=f"the CSV cannot be parsed ({err}); "
                                "expected well-formed CSV (check unbalanced quotes).") from None
    if header is None:  # only blank lines and delimiters
        raise FileFormatError(path, "the file holds no header row; expected field names.")
    return header, rows, lines


# ----------------------------------------------------------------------------- dictionary


def _read_dictionary(path: Path, notes: list[str]) -> pd.DataFrame:
    header, rows, lines = _read_csv_rows(path, notes)
    low = [h.strip().lower() for h in header]
    index = {}
    for key, names in _DICT_COLUMNS.items():
        found = [low.index(n) for n in names if n in low]
        if not found and key not in ("field_label", "validation"):
            raise FileFormatError(
                path, line=1,
                message=f"no column '{names[0]}' ; this does not look like a REDCap data "
                "dictionary (expected the 18 columns of Project Setup > Data Dictionary > "
                f"Download, starting 'Variable / Field Name, Form Name, ...'; found: "
                f"{', '.join(header[:6])}...).")
        index[key] = found[0] if found else None
    out = {k: [("" if i is None else r[i].strip()) for r in rows] for k, i in index.items()}
    frame = pd.DataFrame(out)
    frame["line"] = lines
    frame["field_type"] = frame["field_type"].str.lower()
    frame["validation"] = frame["validation"].str.lower()
    if frame.empty:
        raise FileFormatError(path, "the dictionary lists no fields.")
    dup = frame[frame["field_name"].duplicated(keep=False)]
    if not dup.empty:
        name = dup["field_name"].iloc[0]
        at = ", ".join(str(x) for x in dup["line"])
        raise FileFormatError(path, f"lines {at}: field '{name}' is listed twice; each "
                                "field name must be unique.")
    frame["choice_map"] = [
        _parse_choices(path, ln, name, ftype, text)
        for ln, name, ftype, text in zip(frame["line"], frame["field_name"],
                                         frame["field_type"], frame["choices"])
    ]
    return frame


def _parse_choices(path: Path, line: int, name: str, ftype: str, text: str) -> dict[str, str]:
    if ftype == "yesno":
        return {"1": "Yes", "0": "No"}
    if ftype == "truefalse":
        return {"1": "True", "0": "False"}
    if ftype not in ("radio", "dropdown", "checkbox"):
        return {}
    choices: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        code, sep, label = part.partition(",")
        if not sep:
            raise FileFormatError(
                path, line=line,
                message=f"column 'Choices, Calculations, OR Slider Labels': choice "
                f"'{part.strip()}' of field '{name}' has no comma; expected 'code, label' pairs "
                "separated by '|', e.g. '1, Hamstring | 2, Calf'.")
        choices[code.strip()] = label.strip()
    if not choices:
        raise FileFormatError(path, line=line, message=f"{ftype} field '{name}' lists no choices; "
                                "expected 'code, label' pairs separated by '|'.")
    return choices


def _checkbox_code(code: str) -> str:
    """How REDCap spells a choice code inside a checkbox column name."""
    return re.sub(r"[^a-z0-9_]", "_", code.lower())


def _form_of_column(col: str, dictionary: pd.DataFrame) -> str | None:
    forms = dict(zip(dictionary["field_name"], dictionary["form_name"]))
    if col in forms:
        return forms[col]
    if "___" in col and col.split("___")[0] in forms:
        return forms[col.split("___")[0]]
    for suffix in ("_complete", "_timestamp"):
        if col.endswith(suffix) and col[: -len(suffix)] in set(dictionary["form_name"]):
            return col[: -len(suffix)]
    return None


# ----------------------------------------------------------------------------- converters


class _Cell(Exception):
    def __init__(self, row: int, value: str, expected: str, *, why: str = "") -> None:
        super().__init__(value)
        self.row, self.value, self.expected, self.why = row, value, expected, why


def _is_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING


def _number(values: list[str], *, integer: bool, notes: set[str],
            comma_decimal: bool = False) -> pd.Series:
    commas = [v.strip() for v in values if re.fullmatch(r"[-+]?\d+,\d+", v.strip())]
    if commas and not comma_decimal and all(re.fullmatch(r"[-+]?\d+,\d{3}", v) for v in commas):
        # "1,078" is 1.078 with a decimal comma or 1078 with a thousands separator: every comma
        # in this column has three digits after it, so nothing tells which one it is
        i = next(i for i, v in enumerate(values) if v.strip() == commas[0])
        plain = commas[0].replace(",", "")
        raise _Cell(i, values[i], "a number that can be read one way only", why=f" (it is "
                    f"{commas[0].replace(',', '.')} or {plain}, with a decimal comma or a "
                    "thousands separator); re-export the raw data without reformatting it in a "
                    "spreadsheet")
    out = np.full(len(values), np.nan)
    for i, raw in enumerate(values):
        v = raw.strip()
        if _is_missing(v):
            continue
        if re.fullmatch(r"[-+]?\d+,\d+", v):
            notes.add("decimal commas read as decimal points")
            v = v.replace(",", ".")
        try:
            out[i] = float(v)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise _Cell(i, raw, kind) from None
        if integer and not float(out[i]).is_integer():
            raise _Cell(i, raw, "a whole number")
    if integer:
        return pd.Series(out).round().astype("Int64")
    return pd.Series(out, dtype="float64")


def _datetime(values: list[str]) -> pd.Series:
    out = []
    for i, raw in enumerate(values):
        v = raw.strip()
        if _is_missing(v):
            out.append(pd.NaT)
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?)?", v):
            raise _Cell(i, raw, "a date as YYYY-MM-DD (or YYYY-MM-DD HH:MM), as REDCap raw "
                        "exports write it", why="; a date such as 02-04-1998 is ambiguous "
                        "(day-month or month-day?), so it is not guessed: re-export with the "
                        "date format YYYY-MM-DD (the export's default)")
        try:
            out.append(pd.Timestamp(v))
        except ValueError:
            raise _Cell(i, raw, "a real calendar date") from None
    return pd.Series(pd.to_datetime(pd.Series(out, dtype=object)), dtype="datetime64[ns]")


def _coded(values: list[str], choices: dict[str, str], *, boolean: bool) -> pd.Series:
    labels = []
    for i, raw in enumerate(values):
        v = raw.strip()
        if _is_missing(v):
            labels.append(None)
        elif v in choices:
            labels.append(choices[v])
        else:
            shown = ", ".join(f"{k} ({lab})" for k, lab in choices.items())
            why = ""
            if v.lower() in {lab.lower() for lab in choices.values()}:
                why = ("; it is a label, so this looks like a 'labels' export: export "
                       "'CSV / Microsoft Excel (raw data)' instead")
            raise _Cell(i, raw, f"one of the codes {shown}", why=why)
    if boolean:
        return pd.Series([None if x is None else x in ("Yes", "True") for x in labels],
                         dtype="boolean")
    return pd.Series(pd.Categorical(labels, categories=list(dict.fromkeys(choices.values()))))


def _checkbox(values: list[str]) -> pd.Series:
    out = []
    for i, raw in enumerate(values):
        v = raw.strip()
        if _is_missing(v):
            out.append(None)
        elif v in ("0", "1"):
            out.append(v == "1")
        else:
            raise _Cell(i, raw, "0 or 1 (a checkbox column of a raw export)")
    return pd.Series(out, dtype="boolean")


def _status(values: list[str]) -> pd.Series:
    out = []
    for i, raw in enumerate(values):
        v = raw.strip()
        if _is_missing(v):
            out.append(None)
        elif v in _STATUS:
            out.append(_STATUS[v])
        else:
            raise _Cell(i, raw, "0, 1 or 2 (incomplete, unverified, complete)")
    return pd.Series(pd.Categorical(out, categories=list(_STATUS.values())))


def _text(values: list[str]) -> pd.Series:
    return pd.Series([None if _is_missing(v) else v for v in values], dtype="string")


def _convert(kind: str, info: Any, values: list[str], notes: set[str]) -> pd.Series:
    if kind == "status":
        return _status(values)
    if kind == "checkbox":
        return _checkbox(values)
    if kind == "instance":
        return _number(values, integer=True, notes=notes)
    if kind in ("special", "unknown", "timestamp"):
        return _text(values)
    ftype, validation, choices = info
    if ftype in ("radio", "dropdown"):
        return _coded(values, choices, boolean=False)
    if ftype in ("yesno", "truefalse"):
        return _coded(values, choices, boolean=True)
    if ftype in ("calc", "slider"):
        return _number(values, integer=False, notes=notes)
    if ftype == "text":
        if validation == "integer":
            return _number(values, integer=True, notes=notes)
        if validation.startswith("number"):
            return _number(values, integer=False, notes=notes,
                           comma_decimal=validation.endswith("comma_decimal"))
        if validation.startswith(("date_", "datetime_")):
            return _datetime(values)
    return _text(values)


# ----------------------------------------------------------------------------- reading


def read_redcap(
    data_csv: str | Path,
    dictionary_csv: str | Path,
    *,
    keep: str = "started",
) -> RedcapExport:
    """Read a REDCap raw CSV export with its data dictionary.

    Parameters
    ----------
    data_csv : str or Path
        The export (*Data Exports > CSV / Microsoft Excel (raw data)*), e.g.
        ``GluteStudy_DATA_2026-11-20_1015.csv``. Comma, semicolon or tab delimited; UTF-8 (with
        or without BOM) or Latin-1; decimal commas are accepted in number fields.
    dictionary_csv : str or Path
        The project's data dictionary (*Project Setup > Data Dictionary > Download*).
    keep : {"started", "all", "unverified", "complete"}
        Which form data to keep, judged per row and form from ``<form>_complete``; see the
        module docstring.

    Returns
    -------
    RedcapExport
        ``.records`` (non-repeating forms), ``.repeating`` (one long table per repeating
        instrument), ``.checked`` (ticked checkbox choices, long), ``.form(name)``.

    Raises
    ------
    FileFormatError
        The file is empty, truncated, not a raw export of this dictionary, holds a record twice,
        or a value does not fit its field (the message names file, line, column and value).

    Notes
    -----
    The record id column is the first field of the dictionary, whatever it is called (REDCap
    always exports it first); if the export's first column has another name, that column is
    used and a note is kept. Duplicated rows (same record, event, instrument and instance) are an
    error, since a silent choice between them could change a count.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "dict.csv").write_text(
    ...     '"Variable / Field Name","Form Name","Field Type","Field Label",'
    ...     '"Choices, Calculations, OR Slider Labels",'
    ...     '"Text Validation Type OR Show Slider Number"\\n'
    ...     'athlete,diary,text,"Athlete",,\\n'
    ...     'muscle,diary,radio,"Muscle","1, Hamstring | 2, Calf",\\n'
    ...     'minutes,diary,text,"Minutes",,number\\n')
    >>> _ = (folder / "data.csv").write_text(
    ...     "athlete,redcap_repeat_instrument,redcap_repeat_instance,muscle,minutes,"
    ...     "diary_complete\\n"
    ...     'A1,diary,1,1,"1,5",2\\n'
    ...     "A1,diary,2,2,3,0\\n")
    >>> export = read_redcap(folder / "data.csv", folder / "dict.csv")
    >>> export.repeating["diary"]
      athlete  redcap_repeat_instance     muscle  minutes diary_complete
    0      A1                       1  Hamstring      1.5       complete
    1      A1                       2       Calf      3.0     incomplete
    >>> read_redcap(folder / "data.csv", folder / "dict.csv", keep="complete").repeating["diary"]
      athlete  redcap_repeat_instance     muscle  minutes diary_complete
    0      A1                       1  Hamstring      1.5       complete
    """
    check_one_of("keep", keep, _KEEP)
    data_csv, dictionary_csv = Path(data_csv), Path(dictionary_csv)
    notes: list[str] = []
    dictionary = _read_dictionary(dictionary_csv, notes)
    header, rows, lines = _read_csv_rows(data_csv, notes)
    if not rows:
        raise FileFormatError(data_csv, "the export has a header but no records.")
    if header and header[0].lower() == "variable / field name":
        raise FileFormatError(data_csv, "this is a data dictionary, not a data export; "
                                "pass the export first and the dictionary second.")
    id_column = dictionary["field_name"].iloc[0]
    if id_column not in header:
        notes.append(f"record id '{id_column}' of the dictionary not in the export; used the "
                     f"first column '{header[0]}'")
        id_column = header[0]
    dup = [h for h in header if header.count(h) > 1]
    if dup:
        raise FileFormatError(data_csv, line=1, message=f"column '{dup[0]}' appears twice.")

    kinds = _classify(data_csv, header, dictionary, id_column)
    unknown = [c for c, (k, _) in kinds.items() if k == "unknown"]
    if len(unknown) > max(1, (len(header) - 1) // 2):
        raise FileFormatError(
            data_csv, line=1,
            message=f"{len(unknown)} of {len(header)} columns are not fields of the "
            f"dictionary {dictionary_csv.name} (e.g. {', '.join(repr(u) for u in unknown[:3])}); "
            "expected a *raw* REDCap export of this project (not the 'labels' export, and not "
            "another project's or device's file).")
    if unknown:
        notes.append(f"columns not in the dictionary kept as text: {', '.join(unknown)}")
        warnings.warn(f"{data_csv.name}: columns not in the data dictionary kept as text: "
                      f"{', '.join(unknown)}", GluteStudyWarning, stacklevel=2)

    _check_duplicates(data_csv, header, rows, lines, id_column)
    _check_repeats(data_csv, header, rows, lines, dictionary)

    flags: set[str] = set()
    columns = {}
    for j, col in enumerate(header):
        kind, info = kinds[col]
        values = [r[j] for r in rows]
        try:
            columns[col] = _convert(kind, info, values, flags) if col != id_column \
                else _text(values).str.strip()
        except _Cell as cell:
            raise FileFormatError(
                data_csv, line=lines[cell.row], message=f"column '{col}': value '{cell.value}' is "
                f"not {cell.expected}{cell.why}.") from None
    notes.extend(sorted(flags))
    frame = pd.DataFrame(columns)
    if frame[id_column].isna().any():
        at = lines[int(np.flatnonzero(frame[id_column].isna().to_numpy())[0])]
        raise FileFormatError(data_csv, line=at, message=f"column '{id_column}': the record id is "
                                "empty; every row needs one.")
    _apply_keep(frame, kinds, dictionary, keep)
    records, repeating = _split(frame, kinds, dictionary, id_column, keep)
    checked = _checked(records, repeating, kinds, dictionary, id_column)
    return RedcapExport(records, repeating, checked, dictionary.drop(columns="line"), id_column,
                        str(data_csv), notes)


def _classify(path: Path, header: list[str], dictionary: pd.DataFrame,
              id_column: str) -> dict[str, tuple[str, Any]]:
    info = {n: (t, v, c) for n, t, v, c in zip(dictionary["field_name"], dictionary["field_type"],
                                                 dictionary["validation"],
                                                 dictionary["choice_map"])}
    forms = set(dictionary["form_name"])
    kinds: dict[str, tuple[str, Any]] = {}
    for col in header:
        if col == id_column:
            kinds[col] = ("id", None)
        elif col == "redcap_repeat_instance":
            kinds[col] = ("instance", None)
        elif col in _SPECIAL:
            kinds[col] = ("special", None)
        elif col in info:
            kinds[col] = ("field", info[col])
        elif "___" in col and info.get(col.split("___")[0], ("",))[0] == "checkbox":
            name, code = col.split("___", 1)
            codes = {_checkbox_code(k): (k, lab) for k, lab in info[name][2].items()}
            if code not in codes:
                shown = ", ".join(f"{k} (column {name}___{c})" for c, (k, _) in codes.items())
                raise FileFormatError(
                    path, line=1,
                    message=f"column '{col}': checkbox field '{name}' has no choice coded "
                    f"'{code}' in the data dictionary (choices: {shown}); the export and the "
                    "dictionary do not match: download both from the same project, at the same "
                    "time.")
            kinds[col] = ("checkbox", codes[code])
        elif col.endswith("_complete") and col[: -len("_complete")] in forms:
            kinds[col] = ("status", None)
        elif col.endswith("_timestamp") and col[: -len("_timestamp")] in forms:
            kinds[col] = ("timestamp", None)
        else:
            kinds[col] = ("unknown", None)
    return kinds


def _check_duplicates(path: Path, header: list[str], rows: list[list[str]], lines: list[int],
                      id_column: str) -> None:
    key_cols = [header.index(c) for c in (id_column, "redcap_event_name",
                                          "redcap_repeat_instrument", "redcap_repeat_instance")
                if c in header]
    seen: dict[tuple[str, ...], int] = {}
    for row, line in zip(rows, lines):
        key = tuple(row[j].strip() for j in key_cols)
        if key in seen:
            names = ", ".join(f"{header[j]}={row[j].strip() or '(empty)'}" for j in key_cols)
            raise FileFormatError(
                path, line=line,
                message=f"record {names} appears again (first on line {seen[key]}); "
                "expected one row per record, event and repeat instance. Remove the duplicate "
                "or re-export.")
        seen[key] = line


def _check_repeats(path: Path, header: list[str], rows: list[list[str]], lines: list[int],
                   dictionary: pd.DataFrame) -> None:
    """Every repeating row names a form of the dictionary and its instance (else it is lost)."""
    if "redcap_repeat_instrument" not in header:
        return
    j = header.index("redcap_repeat_instrument")
    k = header.index("redcap_repeat_instance") if "redcap_repeat_instance" in header else None
    forms = list(dict.fromkeys(dictionary["form_name"]))
    for row, line in zip(rows, lines):
        name = row[j].strip()
        if _is_missing(name):
            continue
        if name not in forms:
            raise FileFormatError(
                path, line=line,
                message=f"column 'redcap_repeat_instrument': '{name}' is not a form of the data "
                f"dictionary (forms: {', '.join(forms)}); the export and the dictionary do not "
                "match: download both from the same project, at the same time.")
        if k is None or _is_missing(row[k]):
            raise FileFormatError(
                path, line=line,
                message=f"column 'redcap_repeat_instance' is empty in a row of the repeating "
                f"instrument '{name}'; expected its instance number (1, 2, ...). Re-export the "
                "file from REDCap.")


def _form_columns(kinds: dict[str, tuple[str, Any]], dictionary: pd.DataFrame) -> dict[str, list]:
    out: dict[str, list[str]] = {f: [] for f in dict.fromkeys(dictionary["form_name"])}
    for col, (kind, _) in kinds.items():
        if kind in ("field", "checkbox", "status", "timestamp"):
            form = _form_of_column(col, dictionary)
            if form is not None:
                out[form].append(col)
    return out


def _apply_keep(frame: pd.DataFrame, kinds: dict[str, tuple[str, Any]],
                dictionary: pd.DataFrame, keep: str) -> None:
    if keep == "all":
        return
    for form, cols in _form_columns(kinds, dictionary).items():
        status_col = f"{form}_complete"
        data_cols = [c for c in cols if kinds[c][0] in ("field", "checkbox")]
        if status_col not in frame.columns or not data_cols:
            continue
        status = frame[status_col].astype("object")
        if keep == "started":
            boxes = [c for c in data_cols if kinds[c][0] == "checkbox"]
            other = [c for c in data_cols if kinds[c][0] == "field"]
            entered = frame[other].notna().any(axis=1) if other else False
            ticked = frame[boxes].fillna(False).any(axis=1) if boxes else False
            drop = (status.isna() | (status == "incomplete")) & ~entered & ~ticked
            for c in boxes:
                frame.loc[drop.to_numpy(), c] = pd.NA
            continue
        allowed = ("unverified", "complete") if keep == "unverified" else ("complete",)
        drop = ~status.isin(allowed)
        for c in data_cols:
            frame.loc[drop.to_numpy(), c] = pd.NA


def _split(frame: pd.DataFrame, kinds: dict[str, tuple[str, Any]], dictionary: pd.DataFrame,
           id_column: str, keep: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    form_cols = _form_columns(kinds, dictionary)
    keys = [c for c in (id_column, "redcap_event_name") if c in frame.columns]
    repeating: dict[str, pd.DataFrame] = {}
    if "redcap_repeat_instrument" in frame.columns:
        instrument = frame["redcap_repeat_instrument"]
        is_repeat = instrument.notna().to_numpy()
        for name in dict.fromkeys(instrument[is_repeat]):
            if name not in form_cols:
                continue  # kept in the main table; _checked reports nothing for it
            part = frame.loc[(instrument == name).fillna(False).to_numpy(dtype=bool),
                             [*keys, "redcap_repeat_instance", *form_cols[name]]]
            data_cols = [c for c in form_cols[name] if kinds[c][0] in ("field", "checkbox")]
            if keep in ("unverified", "complete") and data_cols:
                part = part[part[data_cols].notna().any(axis=1)]
            repeating[name] = part.reset_index(drop=True)
        main = frame.loc[~is_repeat]
    else:
        main = frame
    drop = [c for name in repeating for c in form_cols[name]
            if main[c].isna().all()]
    extra = [c for c in ("redcap_repeat_instrument", "redcap_repeat_instance")
             if c in main.columns and main[c].isna().all()]
    records = main.drop(columns=drop + extra).reset_index(drop=True)
    return records, repeating


def _checked(records: pd.DataFrame, repeating: dict[str, pd.DataFrame],
             kinds: dict[str, tuple[str, Any]], dictionary: pd.DataFrame,
             id_column: str) -> pd.DataFrame:
    out = []
    for table in (records, *repeating.values()):
        for col in table.columns:
            if kinds.get(col, ("",))[0] != "checkbox":
                continue
            code, label = kinds[col][1]
            ticked = table[table[col].fillna(False).to_numpy(dtype=bool)]
            for _, row in ticked.iterrows():
                out.append({
                    id_column: row[id_column],
                    "redcap_event_name": row.get("redcap_event_name", pd.NA),
                    "form": _form_of_column(col, dictionary),
                    "redcap_repeat_instance": row.get("redcap_repeat_instance", pd.NA),
                    "field": col.split("___")[0],
                    "code": code,
                    "label": label,
                })
    columns = [id_column, "redcap_event_name", "form", "redcap_repeat_instance", "field", "code",
               "label"]
    result = pd.DataFrame(out, columns=columns)
    result["redcap_repeat_instance"] = result["redcap_repeat_instance"].astype("Int64")
    return result
