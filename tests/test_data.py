"""Datasets: every one loads with its declared columns and dtypes, cites a source on every row, and holds
what the course needs; the validator rejects broken datasets."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import course.data as data

EXPECTED = {"collectivization", "grain", "livestock", "five_year_plan", "famine", "repression",
            "congress_1934", "people", "timeline"}
PANDAS_KIND = {"int": "Int64", "float": "float64", "string": "string", "bool": "boolean"}


def test_names_lists_every_dataset():
    assert EXPECTED <= set(data.names())
    assert "book_checks" not in data.names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dataset_validates_and_loads_with_declared_dtypes(name):
    data.validate(name)                       # raises DatasetError on any problem
    df = data.load(name)
    cols = data.columns(name)
    assert list(df.columns) == list(cols)
    for col, spec in cols.items():
        kind = spec["dtype"]
        if kind == "date":
            assert pd.api.types.is_datetime64_any_dtype(df[col]), col
        else:
            assert str(df[col].dtype) == PANDAS_KIND[kind], (col, df[col].dtype)
        assert "unit" in spec or kind in ("string", "date"), f"{name}.{col} declares no unit"
    assert df["source"].notna().all()
    assert set(df["source"]) <= set(data.sources(name))
    for key, src in data.sources(name).items():
        text = data.citation(name, key)
        assert str(src["year"]) in text and src["author"] in text


def test_load_returns_a_copy():
    df = data.load("livestock")
    df.loc[0, "head_mn"] = -1
    assert data.load("livestock").loc[0, "head_mn"] > 0


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(data.DatasetError, match="no dataset called"):
        data.load("no_such_thing")


def test_collectivization_curve_shape():
    df = data.load("collectivization").set_index("date")["percent"]
    campaign = df["1929-06-01":"1930-12-31"]
    assert len(campaign) >= 10, "monthly or finer returns from mid-1929 through 1930"
    peak_date = campaign.idxmax()
    assert pd.Timestamp("1930-02-15") <= peak_date <= pd.Timestamp("1930-03-15")
    assert df[pd.Timestamp("1930-08-01")] < campaign.max() / 2, "the fall through the summer of 1930"
    years = {d.year for d in df.index}
    assert set(range(1928, 1938)) <= years, "yearly to 1937"
    assert df[pd.Timestamp("1937-06-01")] >= 90


def test_grain_keeps_official_and_revised_figures():
    df = data.load("grain")
    harvest_1932 = df[(df["year"] == 1932) & (df["measure"] == "harvest")]
    assert set(harvest_1932["variant"]) == {"official", "revised"}
    revised = harvest_1932[harvest_1932["variant"] == "revised"].iloc[0]
    assert revised["low_mt"] < revised["value_mt"] < revised["high_mt"]
    for measure in ("harvest", "procurement", "export"):
        years = set(df[df["measure"] == measure]["year"])
        assert {1930, 1931, 1932, 1933, 1934} <= years, measure
    assert set(df[df["measure"] == "harvest"]["year"]) >= {1928, 1929}


def test_livestock_species_and_years():
    df = data.load("livestock")
    assert set(df["species"]) == {"cattle", "pigs", "sheep and goats", "horses"}
    for sp, grp in df.groupby("species"):
        assert set(range(1928, 1936)) <= set(grp["year"]), sp
        by_year = grp.set_index("year")["head_mn"]
        assert by_year[1933] < by_year[1928], sp


def test_five_year_plan_has_baseline_targets_and_actuals():
    df = data.load("five_year_plan")
    for ind in ("coal", "oil", "electricity", "pig iron", "steel", "tractors"):
        measures = set(df[df["indicator"] == ind]["measure"])
        assert {"baseline", "target_optimal", "actual"} <= measures, ind
    assert len(df[df["measure"] == "target_raised"]) >= 2
    assert df.groupby("indicator")["unit"].nunique().max() == 1, "one unit per indicator"


def test_famine_is_ranges_not_one_number():
    df = data.load("famine")
    assert (df["low"] <= df["high"]).all()
    assert df["scholar"].nunique() >= 5
    assert {"USSR", "Ukraine", "Kazakhstan"} <= set(df["region"])
    ussr = df[df["region"] == "USSR"]
    assert ussr["low"].min() < ussr["high"].max(), "several disagreeing USSR estimates are kept"
    assert (df["high"] > df["low"]).any(), "at least one estimate is a genuine range"


def test_repression_series_cover_1930_to_1940():
    df = data.load("repression")
    for series in ("convicted", "executed"):
        assert set(df[df["series"] == series]["year"]) >= set(range(1930, 1941)), series
    assert set(df[df["series"] == "gulag_camps"]["year"]) >= set(range(1930, 1941))
    executed = df[df["series"] == "executed"].set_index("year")["value"]
    assert executed.idxmax() == 1937


def test_congress_figures():
    df = data.load("congress_1934").set_index("id")
    assert (df.loc["xvii-delegates", "total"], df.loc["xvii-delegates", "affected"]) == (1966, 1108)
    assert (df.loc["xvii-cc", "total"], df.loc["xvii-cc", "affected"]) == (139, 98)
    assert (df["affected"] <= df["total"]).all()


def test_people_table():
    df = data.load("people")
    assert len(df) >= 30
    names = set(df["name"])
    for n in ("Stalin", "Lenin", "Bukharin", "Trotsky", "Rykov", "Tomsky", "Zinoviev", "Kamenev", "Kirov",
              "Molotov", "Kaganovich", "Ordzhonikidze", "Yagoda", "Yezhov", "Beria", "Tukhachevsky",
              "Vyshinsky", "Riutin", "Piatakov", "Kuibyshev"):
        assert n in names, n
    variants = df.set_index("name")["variants"].fillna("")
    assert "Ryutin" in variants["Riutin"].split("|")
    assert "Pyatakov" in variants["Piatakov"].split("|")
    assert (df["born"] < df["died"]).all()
    assert not names & {"Ryutin", "Pyatakov", "Ezhov"}, "the book's spelling is the name; others are variants"


def test_timeline_covers_every_chapter():
    df = data.load("timeline")
    assert len(df) >= 120
    assert df["id"].is_unique
    assert set(df["chapter"]) == set(range(0, 23))
    counts = df["chapter"].value_counts()
    assert counts.min() >= 3
    assert set(df["precision"]) <= {"day", "month", "year"}
    ch1 = df[df["chapter"] == 1]
    assert ch1["date"].min() < pd.Timestamp("1300-01-01"), "chapter 1 reaches back to the 13th century"
    rest = df[df["chapter"] != 1]
    assert rest["date"].min() >= pd.Timestamp("1917-01-01")
    assert rest["date"].max() <= pd.Timestamp("1941-12-31")
    assert df.set_index("id").loc["dizzy-with-success", "date"] == pd.Timestamp("1930-03-02")


# --------------------------------------------------------------------------- the validator rejects broken data

def _copy(tmp_path, name="livestock"):
    for ext in (".csv", ".yaml"):
        shutil.copy(data.DATA_DIR / f"{name}{ext}", tmp_path / f"{name}{ext}")
    return tmp_path / f"{name}.csv", tmp_path / f"{name}.yaml"


def test_copied_dataset_is_valid(tmp_path):
    csv_path, _ = _copy(tmp_path)
    assert data.problems(csv_path) == []
    assert len(data.load(csv_path)) == len(data.load("livestock"))


def test_validator_rejects_uncited_row(tmp_path):
    csv_path, _ = _copy(tmp_path)
    lines = csv_path.read_text().splitlines()
    lines.append("1936,cattle,56.7,high,,an uncited row")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DatasetError) as exc:
        data.validate(csv_path)
    assert any("cites no source" in p for p in exc.value.problems)
    with pytest.raises(data.DatasetError):
        data.load(csv_path)


def test_validator_rejects_unknown_source_key(tmp_path):
    csv_path, _ = _copy(tmp_path)
    csv_path.write_text(csv_path.read_text().replace("1935,horses,14.9,high,official-livestock",
                                                     "1935,horses,14.9,high,my-guess"))
    problems = data.problems(csv_path)
    assert any("'my-guess' is not in the metadata's sources" in p for p in problems)


def test_validator_rejects_source_without_locator_or_year(tmp_path):
    _, yaml_path = _copy(tmp_path)
    meta = yaml.safe_load(yaml_path.read_text())
    src = meta["sources"]["official-livestock"]
    del src["location"], src["year"]
    yaml_path.write_text(yaml.safe_dump(meta))
    problems = data.problems(yaml_path)
    assert any("lacks 'year'" in p for p in problems)
    assert any("no table, page, chapter or location" in p for p in problems)


def test_validator_rejects_bad_values_columns_and_duplicates(tmp_path):
    csv_path, yaml_path = _copy(tmp_path)
    text = csv_path.read_text().replace("1930,pigs,13.6", "1930,pigs,lots")
    text += "1928,cattle,70.5,high,official-livestock,duplicate\n"
    csv_path.write_text(text)
    meta = yaml.safe_load(yaml_path.read_text())
    meta["columns"]["region"] = {"dtype": "string", "unit": None, "description": "declared but absent"}
    meta["columns"]["year"]["dtype"] = "integer"
    yaml_path.write_text(yaml.safe_dump(meta, sort_keys=False))
    problems = data.problems(csv_path)
    joined = "\n".join(problems)
    assert "'lots' is not a valid float" in joined
    assert "duplicate key" in joined
    assert "lacks declared column(s): region" in joined
    assert "dtype must be one of" in joined


def test_validator_rejects_missing_source_column(tmp_path):
    csv_path, yaml_path = _copy(tmp_path)
    meta = yaml.safe_load(yaml_path.read_text())
    del meta["columns"]["source"]
    yaml_path.write_text(yaml.safe_dump(meta, sort_keys=False))
    problems = data.problems(csv_path)
    assert any("declares no 'source' column" in p for p in problems)
    assert any("undeclared column(s): source" in p for p in problems)


def test_citations():
    assert "Davies" in data.citation("collectivization", "davies1980")
    assert "Table" in data.citation("collectivization", "davies1980")
    everything = data.citation("famine")
    assert "Conquest" in everything and "Wheatcroft" in everything
    with pytest.raises(KeyError):
        data.citation("famine", "nobody")


def test_the_dataset_guide_gives_true_row_counts():
    """docs/datasets.md lists each dataset with its row count; the table must not go stale."""
    guide = (Path(__file__).resolve().parents[1] / "docs" / "datasets.md").read_text(encoding="utf-8")
    listed = {m[0]: int(m[1]) for m in re.findall(r"^\| `(\w+)` \| (\d+) \|", guide, re.M)}
    assert set(data.names()) <= set(listed), set(data.names()) - set(listed)
    actual = {name: len(data.load(name)) for name in listed}
    assert listed == actual
