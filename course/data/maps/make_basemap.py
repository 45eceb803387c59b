"""Build ``basemap.geojson`` (the course maps' basemap) from Natural Earth 1:110m countries. Run once.

The source is the public-domain Natural Earth 1:110m "Admin 0 - Countries" shapefile that ships inside the
geopandas 0.14.4 wheel as ``geopandas/datasets/naturalearth_lowres`` (geopandas dropped it in 1.0). No
geopandas is needed: this script reads the wheel with :mod:`zipfile` and the shapefile with :mod:`struct`.

    .venv/bin/pip download geopandas==0.14.4 --no-deps -d /tmp/gpd
    .venv/bin/python course/data/maps/make_basemap.py /tmp/gpd/geopandas-0.14.4-py3-none-any.whl

writes ``course/data/maps/basemap.geojson`` (``--out PATH`` to write elsewhere) and prints its size and
SHA-256, which ``basemap.yaml`` records. Re-running gives a byte-identical file: countries sorted by ISO code,
coordinates rounded to 2 decimals, fixed JSON layout. Only ``name`` and ``iso_a3`` are kept.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import struct
import zipfile
from itertools import pairwise
from pathlib import Path

MEMBER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
OUT = Path(__file__).resolve().parent / "basemap.geojson"

#: The USSR of 1930-1941 and its neighbours (modern states), plus enough context to frame the maps.
COUNTRIES = (
    "RUS", "UKR", "BLR", "MDA", "EST", "LVA", "LTU", "GEO", "ARM", "AZE",          # today's successor states
    "KAZ", "UZB", "TKM", "KGZ", "TJK",
    "POL", "FIN", "ROU", "MNG", "CHN",                                               # neighbours named in the brief
    "NOR", "SWE", "DNK", "DEU", "CZE", "SVK", "AUT", "HUN", "SRB", "BGR", "GRC",      # context to the west
    "TUR", "IRN", "IRQ", "SYR", "AFG", "PAK", "IND", "PRK", "KOR", "JPN",            # context to the south and east
)


def read_dbf(raw: bytes, encoding: str = "latin-1") -> list[dict[str, str]]:
    """The records of a dBASE III file as dicts of stripped strings."""
    count, header_len, record_len = struct.unpack("<IHH", raw[4:12])
    fields, pos = [], 32
    while raw[pos] != 0x0D:
        name = raw[pos:pos + 11].split(b"\0", 1)[0].decode("ascii")
        fields.append((name, raw[pos + 16]))
        pos += 32
    rows = []
    for i in range(count):
        rec, off = raw[header_len + i * record_len: header_len + (i + 1) * record_len], 1  # byte 0: deletion flag
        row = {}
        for name, length in fields:
            row[name] = rec[off:off + length].decode(encoding).strip()
            off += length
        rows.append(row)
    return rows


def read_shp(raw: bytes) -> list[list[list[tuple[float, float]]]]:
    """The rings (lists of (lon, lat)) of every record of a polygon shapefile (shape type 5)."""
    shapes, pos = [], 100
    while pos < len(raw):
        _, length = struct.unpack(">2i", raw[pos:pos + 8])
        body = raw[pos + 8: pos + 8 + 2 * length]
        pos += 8 + 2 * length
        if struct.unpack("<i", body[:4])[0] != 5:
            raise ValueError("expected polygon records only")
        nparts, npoints = struct.unpack("<2i", body[36:44])
        parts = list(struct.unpack(f"<{nparts}i", body[44:44 + 4 * nparts])) + [npoints]
        xy = struct.unpack(f"<{2 * npoints}d", body[44 + 4 * nparts: 44 + 4 * nparts + 16 * npoints])
        points = list(zip(xy[0::2], xy[1::2]))
        shapes.append([points[a:b] for a, b in pairwise(parts)])
    return shapes


def _area2(ring) -> float:
    """Twice the signed planar area (negative: clockwise, the shapefile's and d3's outer rings)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring))


def _round_ring(ring) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y in ring:
        p = [round(x, 2), round(y, 2)]
        if not out or p != out[-1]:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 and _area2(out) != 0 else None


def geometry(rings) -> dict:
    """Rings -> GeoJSON Polygon/MultiPolygon; clockwise rings open a polygon, anticlockwise ones are its holes.

    Winding is kept as in the shapefile (outer rings clockwise), which is what d3-geo and so Vega expect.
    """
    polygons: list[list] = []
    for ring in rings:
        r = _round_ring(ring)
        if r is None:
            continue
        if _area2(r) < 0 or not polygons:
            polygons.append([r])
        else:
            polygons[-1].append(r)
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def build(wheel: Path) -> bytes:
    """The GeoJSON FeatureCollection (bytes) of :data:`COUNTRIES`, from the geopandas wheel."""
    with zipfile.ZipFile(wheel) as z:
        rows = read_dbf(z.read(MEMBER + ".dbf"))
        shapes = read_shp(z.read(MEMBER + ".shp"))
    by_iso = {row["iso_a3"]: (row, rings) for row, rings in zip(rows, shapes)}
    missing = [c for c in COUNTRIES if c not in by_iso]
    if missing:
        raise SystemExit(f"not in the shapefile: {missing}")
    features = [{"type": "Feature", "properties": {"name": by_iso[c][0]["name"], "iso_a3": c},
                 "geometry": geometry(by_iso[c][1])} for c in sorted(COUNTRIES)]
    doc = {"type": "FeatureCollection", "features": features}
    return (json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path, help="geopandas-0.14.4-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = build(args.wheel)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
