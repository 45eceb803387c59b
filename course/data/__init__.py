"""Sourced historical datasets for the course, each a CSV plus a metadata YAML.

Every dataset lives in this folder as ``<name>.csv`` (the rows) and ``<name>.yaml`` (the metadata):

.. code-block:: yaml

    title: Collectivization of peasant households, 1928-1937
    description: >-
      What the table holds, in our words.
    key: [date]                       # optional: columns whose values identify a row (must be unique)
    columns:                          # every CSV column, in order; dtype is one of int|float|string|date|bool
      date:    {dtype: date, unit: null, description: ..., required: true}
      percent: {dtype: float, unit: "% of peasant households", description: ...}
      source:  {dtype: string, description: key of the row's entry in `sources`, required: true}
    sources:                          # every row's `source` must be a key of this map
      davies1980:
        author: R. W. Davies
        title: "The Socialist Offensive: The Collectivisation of Soviet Agriculture, 1929-1930"
        year: 1980
        publisher: Macmillan
        table: "Table 17"             # at least one of table / page / chapter / location
    notes: [...]                      # optional caveats, our words

>>> import course.data as data
>>> "collectivization" in data.names()
True
>>> df = data.load("collectivization")
>>> str(df["date"].dtype).startswith("datetime64")
True
>>> data.citation("collectivization", "davies1980")          # doctest: +ELLIPSIS
'R. W. Davies, The Socialist Offensive...'

``validate(name_or_path)`` checks a dataset (declared columns, dtypes, uniqueness, that every row cites a
known source, that every source has author/title/year and a table/page/chapter/location) and raises
:class:`DatasetError` listing every problem; ``problems(name_or_path)`` returns the list instead.
The book cross-checks (``book_checks.yaml``) live in :mod:`course.data.book_checks`.
"""
from __future__ import annotations

import csv
import io
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DATA_DIR", "DatasetError", "names", "load", "metadata", "columns", "sources", "citation",
           "citations", "format_source", "validate", "problems", "path_of"]

DATA_DIR = Path(__file__).resolve().parent
DTYPES = ("int", "float", "string", "date", "bool")
SOURCE_COLUMN = "source"
_LOCATORS = ("table", "page", "chapter", "location")
_NOT_DATASETS = {"book_checks"}


class DatasetError(ValueError):
    """A dataset is missing or malformed; ``.problems`` lists every problem found."""

    def __init__(self, name: str, problems: list[str]):
        self.name = name
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Dataset {name!r} has {len(self.problems)} problem(s):\n{lines}")


# --------------------------------------------------------------------------- locating files

def names() -> list[str]:
    """The datasets shipped with the course (those with both a CSV and a metadata YAML), sorted."""
    return sorted(p.stem for p in DATA_DIR.glob("*.csv")
                  if p.with_suffix(".yaml").is_file() and p.stem not in _NOT_DATASETS)


def path_of(name_or_path: str | os.PathLike) -> tuple[str, Path, Path]:
    """``(name, csv_path, yaml_path)`` for a dataset name, or a path to its .csv or .yaml (any folder)."""
    s = str(name_or_path)
    p = Path(s)
    if p.suffix in (".csv", ".yaml", ".yml") or p.parent != Path("."):
        base = p.with_suffix("")
        return base.name, base.with_suffix(".csv"), base.with_suffix(".yaml")
    if s not in names():
        raise DatasetError(s, [f"no dataset called {s!r}; the datasets are: {', '.join(names())}"])
    return s, DATA_DIR / f"{s}.csv", DATA_DIR / f"{s}.yaml"


@lru_cache(maxsize=64)
def _read_yaml(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def metadata(name_or_path: str | os.PathLike) -> dict:
    """The dataset's metadata (title, description, columns, sources, notes) as a dict (a fresh copy)."""
    import copy

    name, _, ypath = path_of(name_or_path)
    if not ypath.is_file():
        raise DatasetError(name, [f"metadata file {ypath} is missing"])
    return copy.deepcopy(_read_yaml(str(ypath), ypath.stat().st_mtime))


def columns(name: str) -> dict[str, dict]:
    """Column name -> ``{dtype, unit, description, ...}`` as declared in the metadata."""
    return metadata(name).get("columns", {})


# --------------------------------------------------------------------------- sources and citations

def sources(name: str) -> dict[str, dict]:
    """The dataset's ``sources`` map: key -> ``{author, title, year, table/page/chapter, ...}``."""
    return metadata(name).get("sources", {})


def format_source(src: dict) -> str:
    """One source entry as a citation line: ``Author, Title (Publisher, Year), Table 17.``"""
    parts = [str(src.get("author", "")).strip(), str(src.get("title", "")).strip()]
    head = ", ".join(p for p in parts if p)
    pub = ", ".join(str(x) for x in (src.get("publisher"), src.get("year")) if x)
    if src.get("journal"):
        pub = ", ".join(str(x) for x in (src.get("journal"), src.get("volume"), src.get("year")) if x)
    text = f"{head} ({pub})" if pub else head
    where = [f"{k} {src[k]}" if k in ("page", "chapter") else str(src[k]) for k in _LOCATORS if src.get(k)]
    if where:
        text += ", " + ", ".join(where)
    return text + "."


def citation(name: str, key: str | None = None) -> str:
    """A citation string: for source ``key`` of dataset ``name``, or (key None) all of its sources joined by '; '."""
    srcs = sources(name)
    if key is not None:
        if key not in srcs:
            raise KeyError(f"dataset {name!r} has no source {key!r}; its sources are {sorted(srcs)}")
        return format_source(srcs[key])
    return "; ".join(format_source(s) for s in srcs.values())


def citations(name: str) -> dict[str, str]:
    """Source key -> citation string for every source of the dataset."""
    return {k: format_source(v) for k, v in sources(name).items()}


# --------------------------------------------------------------------------- reading and typing

def _read_rows(cpath: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = cpath.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    return header, list(reader)


def _convert(series, dtype: str):
    import pandas as pd

    s = series.replace({"": None})
    if dtype == "int":
        return pd.to_numeric(s, errors="raise").astype("Int64")
    if dtype == "float":
        return pd.to_numeric(s, errors="raise").astype("float64")
    if dtype == "string":
        return s.astype("string")
    if dtype == "date":
        return pd.to_datetime(s, format="ISO8601", errors="raise")
    if dtype == "bool":
        mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
        bad = [v for v in s.dropna() if str(v).strip().lower() not in mapping]
        if bad:
            raise ValueError(f"not a boolean: {bad[0]!r}")
        return s.map(lambda v: None if v is None else mapping[str(v).strip().lower()]).astype("boolean")
    raise ValueError(f"unknown dtype {dtype!r} (use one of {', '.join(DTYPES)})")


@lru_cache(maxsize=64)
def _load_cached(cpath: str, ypath: str, cm: float, ym: float):
    import pandas as pd

    name = Path(cpath).stem
    found = problems(Path(cpath))
    if found:
        raise DatasetError(name, found)
    meta = _read_yaml(ypath, ym)
    df = pd.read_csv(cpath, dtype=str, keep_default_na=False, encoding="utf-8")
    for col, spec in meta["columns"].items():
        df[col] = _convert(df[col], spec["dtype"])
    df.attrs["name"] = name
    df.attrs["title"] = meta.get("title", name)
    return df


def load(name_or_path: str | os.PathLike):
    """The dataset as a pandas DataFrame, each column converted to its declared dtype.

    int -> ``Int64`` (nullable), float -> ``float64``, string -> ``string``, date -> ``datetime64``,
    bool -> ``boolean``. Raises :class:`DatasetError` when the dataset does not validate.
    ``df.attrs`` carries ``name`` and ``title``.
    """
    name, cpath, ypath = path_of(name_or_path)
    if not cpath.is_file() or not ypath.is_file():
        raise DatasetError(name, [f"{'CSV' if not cpath.is_file() else 'metadata'} file missing "
                                  f"({cpath if not cpath.is_file() else ypath})"])
    df = _load_cached(str(cpath), str(ypath), cpath.stat().st_mtime, ypath.stat().st_mtime)
    out = df.copy()
    out.attrs = dict(df.attrs)
    return out


# --------------------------------------------------------------------------- validation

def problems(name_or_path: str | os.PathLike) -> list[str]:
    """Every problem found in a dataset (empty list: it is valid). See :func:`validate`."""
    try:
        name, cpath, ypath = path_of(name_or_path)
    except DatasetError as exc:
        return exc.problems
    out: list[str] = []
    if not cpath.is_file():
        out.append(f"CSV file {cpath} is missing")
    if not ypath.is_file():
        out.append(f"metadata file {ypath} is missing")
    if out:
        return out
    try:
        meta = _read_yaml(str(ypath), ypath.stat().st_mtime)
    except yaml.YAMLError as exc:
        return [f"metadata is not valid YAML: {exc}"]
    for field in ("title", "description", "columns", "sources"):
        if not meta.get(field):
            out.append(f"metadata lacks '{field}'")
    cols: dict = meta.get("columns") or {}
    srcs: dict = meta.get("sources") or {}
    for col, spec in cols.items():
        if not isinstance(spec, dict) or spec.get("dtype") not in DTYPES:
            out.append(f"column {col!r}: dtype must be one of {', '.join(DTYPES)} (got {spec!r})")
    if SOURCE_COLUMN not in cols:
        out.append(f"metadata declares no '{SOURCE_COLUMN}' column: every row must cite a source")
    for key, src in srcs.items():
        if not isinstance(src, dict):
            out.append(f"source {key!r} is not a mapping")
            continue
        for field in ("author", "title", "year"):
            if not src.get(field):
                out.append(f"source {key!r} lacks '{field}'")
        if not any(src.get(k) for k in _LOCATORS):
            out.append(f"source {key!r} gives no table, page, chapter or location")
    header, rows = _read_rows(cpath)
    missing = [c for c in cols if c not in header]
    extra = [c for c in header if c not in cols]
    if missing:
        out.append(f"CSV lacks declared column(s): {', '.join(missing)}")
    if extra:
        out.append(f"CSV has undeclared column(s): {', '.join(extra)}")
    if not rows:
        out.append("CSV has no rows")
    for col, spec in cols.items():
        if col not in header or not isinstance(spec, dict) or spec.get("dtype") not in DTYPES:
            continue
        values = [row.get(col) or "" for row in rows]
        for i, value in enumerate(values, start=2):  # line 1 is the header
            if value == "" and (spec.get("required") or col == SOURCE_COLUMN):
                what = "cites no source" if col == SOURCE_COLUMN else f"has no value for required column {col!r}"
                out.append(f"line {i}: row {what}")
        out += _bad_values(col, spec["dtype"], values)
        if col == SOURCE_COLUMN:
            for i, key in enumerate(values, start=2):
                if key and key not in srcs:
                    out.append(f"line {i}: source {key!r} is not in the metadata's sources "
                               f"({', '.join(sorted(srcs)) or 'none'})")
    key_cols = meta.get("key") or []
    if key_cols and all(k in header for k in key_cols):
        seen: dict[tuple, int] = {}
        for i, row in enumerate(rows, start=2):
            k = tuple(row.get(c, "") for c in key_cols)
            if k in seen:
                out.append(f"line {i}: duplicate key {dict(zip(key_cols, k))} (first on line {seen[k]})")
            seen.setdefault(k, i)
    if {"low", "high"} <= set(cols):
        for i, row in enumerate(rows, start=2):
            try:
                lo, hi = float(row["low"]), float(row["high"])
            except (KeyError, ValueError):
                continue
            if lo > hi:
                out.append(f"line {i}: low ({lo}) is greater than high ({hi})")
    return out


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_BOOLS = {"true", "false", "1", "0", "yes", "no"}


def _bad_values(col: str, dtype: str, values: list[str]) -> list[str]:
    """Problems for values of ``col`` that do not parse as ``dtype`` (empty values are skipped)."""
    out = []
    for i, value in enumerate(values, start=2):
        if value == "" or dtype == "string":
            continue
        ok = True
        if dtype == "int":
            ok = bool(_INT.match(value))
        elif dtype == "float":
            ok = bool(_FLOAT.match(value))
        elif dtype == "bool":
            ok = value.strip().lower() in _BOOLS
        elif dtype == "date":
            ok = bool(_DATE.match(value))
            if ok:
                import datetime as _dt
                parts = [int(x) for x in value.split("-")] + [1, 1]
                try:
                    _dt.date(*parts[:3])
                except ValueError:
                    ok = False
        if not ok:
            out.append(f"line {i}: {col}={value!r} is not a valid {dtype}")
    return out


def validate(name_or_path: str | os.PathLike) -> None:
    """Raise :class:`DatasetError` listing every problem of the dataset; return None when it is valid.

    Checked: the metadata has title, description, columns (each with a known dtype) and sources; every
    source has author, title, year and a table/page/chapter/location; the CSV has exactly the declared
    columns; every value parses as its dtype; required columns are filled; every row's ``source`` is a key
    of ``sources``; ``key`` columns are unique; ``low <= high`` where both columns exist.
    """
    found = problems(name_or_path)
    try:
        name = path_of(name_or_path)[0]
    except DatasetError:
        name = str(name_or_path)
    if found:
        raise DatasetError(str(name), found)
