"""Timings of the datasets and charts. Prints `name: value unit` lines.

Targets (issue: datasets and charts): loading all datasets (cold, parsed and validated) <= 0.5 s;
building each chart (after imports and a warm-up, including ``to_dict()`` with schema validation) <= 0.2 s.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = ("import time, course.data as d; t=time.perf_counter(); "
        "[d.load(n) for n in d.names()]; print(time.perf_counter()-t)")


def main() -> None:
    runs = [float(subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, cwd=ROOT,
                                 check=True).stdout) for _ in range(3)]
    print(f"load_all_datasets_cold: {statistics.median(runs) * 1000:.1f} ms")  # fresh process, incl. pandas import

    import course.charts as charts
    import course.data as data

    t = time.perf_counter()
    for n in data.names():
        data.load(n)
    print(f"load_all_datasets_first_in_process: {(time.perf_counter() - t) * 1000:.1f} ms")  # pandas already imported
    t = time.perf_counter()
    for n in data.names():
        data.load(n)
    print(f"load_all_datasets_cached: {(time.perf_counter() - t) * 1000:.1f} ms")
    print(f"datasets: {len(data.names())} count")

    charts.livestock_chart().to_dict()          # warm-up: Altair loads its JSON schema once
    for name, build in sorted(charts.BUILDERS.items()):
        times = []
        for _ in range(5):
            t = time.perf_counter()
            build().to_dict()
            times.append(time.perf_counter() - t)
        print(f"chart_{name}: {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
