"""Course content as data files (units, questions, quotes, glossary); see docs/content-format.md."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_yaml(path: str | Path):
    """Parse one YAML file (C loader when available), with the file named in any error."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


@lru_cache(maxsize=None)
def unit_files() -> dict[str, dict]:
    """Every unit's data, keyed by unit id, in book order."""
    out = {}
    for path in sorted((HERE / "units").glob("ch*.yaml")):
        data = load_yaml(path) or {}
        data.setdefault("id", path.stem)
        if data["id"] != path.stem:
            raise ValueError(f"{path}: id {data['id']!r} does not match the file name")
        out[data["id"]] = data
    return out
