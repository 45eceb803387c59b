"""Timings of the excerpt engine. Prints `name: value unit` lines.

Targets (issue: foundation): import course <= 0.3 s; open+index the shared text <= 150 ms;
median excerpt lookup <= 2 ms. EPUB open time is reported for an EPUB built from the same text.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
BOOK = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "book" / "stalin-in-power.txt"


def best_of(fn, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    code = "import time; t=time.perf_counter(); import course; print(time.perf_counter()-t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout)
            for _ in range(5)]
    print(f"import_course: {statistics.median(runs) * 1000:.1f} ms")
    if not BOOK.exists():
        print(f"book: missing ({BOOK}); skipping the book timings")
        return
    from course.book import Book, open_book
    from course.book._formats import paragraphs_from_bytes, text_paragraphs
    from course.book._parse import layout

    data = BOOK.read_bytes()
    _, med = best_of(lambda: Book(layout(paragraphs_from_bytes(data, BOOK.name)), str(BOOK)))
    print(f"open_and_index_shared_text: {med * 1000:.1f} ms")
    book = open_book(BOOK)
    anchors = [("Muscovy's territory grew from an original nucleus", None, 1),
               ("Such was the historical setting", "primacy of external concerns", None),
               ("The Tatar overlordship took away the unity", None, None)]
    from course.readings import all_readings
    anchors += [(r.start, r.end, r.chapter) for r in all_readings().values()]
    times = []
    for _ in range(20):
        for start, end, ch in anchors:
            t = time.perf_counter()
            book.excerpt(start, end, chapter=ch)
            times.append(time.perf_counter() - t)
    print(f"excerpt_lookup_median: {statistics.median(times) * 1000:.3f} ms ({len(anchors)} anchors)")
    times = []
    for term in ("Riutin", "Bukharin", "revolution from above"):
        t = time.perf_counter()
        book.search(term)
        times.append(time.perf_counter() - t)
    print(f"search_median: {statistics.median(times) * 1000:.2f} ms")

    from conftest import make_epub
    docs, cur = [], []
    for p in text_paragraphs(data.decode("utf-8")):
        if p.startswith(("Chapter ", "Introduction:")) and cur:
            docs.append(cur)
            cur = []
        cur.append(("hr" if p == "*" else "p", p))
    docs.append(cur)
    with tempfile.TemporaryDirectory() as tmp:
        epub = make_epub(docs, Path(tmp) / "book.epub").read_bytes()
        _, med = best_of(lambda: Book(layout(paragraphs_from_bytes(epub, "book.epub")), "book.epub"), n=3)
    print(f"epub_open: {med * 1000:.1f} ms")


if __name__ == "__main__":
    main()
