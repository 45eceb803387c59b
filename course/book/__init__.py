"""The excerpt engine: open the reader's own copy of *Stalin in Power* and cut passages from it.

The course never ships the book. Each reader attaches a copy (.txt or .epub) they own:

1. ``open_book("path/to/stalin-in-power.txt")`` — a path given in code;
2. the environment variable ``COURSE_BOOK``;
3. a copy attached in this session: ``attach(path)``;
4. the copy remembered for the user (``config_path()``): ``attach(path, remember=True)``, or an upload in
   the book status box (``upload_widget()``), which keeps the uploaded file in the user's own data folder
   (``stored_copy_dir()``, never the course folder) so that every unit, in every notebook, sees it.
   ``detach(forget=True)`` (the box's "Forget my copy") removes both.

>>> book = open_book()                                        # doctest: +SKIP
>>> book.chapter(6).sections[2].heading                       # doctest: +SKIP
'Collectivizing from Above'
>>> book.excerpt("Muscovy's territory grew", chapter=1)        # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ._formats import paragraphs_from_bytes
from ._model import (AmbiguousAnchor, AnchorNotFound, Book, BookError, BookFormatError, BookNotFound,
                     Chapter, Citation, Concordance, Excerpt, Hit, Location, NotThisBook, Part, Section)
from ._parse import layout

__all__ = [
    "open_book", "current_book", "attach", "detach", "load_bytes", "config_path", "stored_copy_dir",
    "copy_origin", "upload_widget", "how_to_attach",
    "Book", "Part", "Chapter", "Section", "Excerpt", "Citation", "Location", "Hit", "Concordance",
    "BookError", "BookNotFound", "BookFormatError", "NotThisBook", "AnchorNotFound", "AmbiguousAnchor",
]

ENV_VAR = "COURSE_BOOK"
_session: Book | None = None
_cache: dict[tuple, Book] = {}

HOW_TO_ATTACH = (
    "No copy of Stalin in Power is attached, so passages of the book cannot be shown "
    "(the course ships only citations and summaries; the book is copyrighted). To attach your copy:\n"
    "  • in a notebook: upload your .txt or .epub in the “Your copy of the book” box at the top of any unit "
    "(it is remembered for every unit), or\n"
    "  • in code: course.book.attach('path/to/stalin-in-power.txt', remember=True), or\n"
    f"  • set the environment variable {ENV_VAR}=/path/to/your/copy before starting Jupyter."
)


def how_to_attach() -> str:
    """The instructions shown wherever a passage is wanted and no copy is attached."""
    return HOW_TO_ATTACH


def config_path() -> Path:
    """Per-user file remembering where the reader's copy is (``$XDG_CONFIG_HOME/stalin-course/book.json``)."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "stalin-course" / "book.json"


def stored_copy_dir() -> Path:
    """Where an uploaded copy is kept for the user (``$XDG_DATA_HOME/stalin-course``, else
    ``~/.local/share/stalin-course``): the user's own files, readable only by them, never the course folder."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "stalin-course"


def _store(data: bytes, name: str) -> Path:
    folder = stored_copy_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".txt", ".epub", ".md") else ".txt"
    path = folder / f"book{suffix}"
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def load_bytes(data: bytes, name: str = "uploaded file") -> Book:
    """Parse a copy given as bytes (.txt or .epub, told apart by content)."""
    key = ("bytes", hashlib.sha1(data).hexdigest())
    if key not in _cache:
        _cache[key] = Book(layout(paragraphs_from_bytes(data, name)), name)
    return _cache[key]


def _load_path(path: str | os.PathLike) -> Book:
    p = Path(path).expanduser()
    if not p.exists():
        raise BookNotFound(f"No file at {p}. Check the path to your copy of the book.\n\n{HOW_TO_ATTACH}")
    if p.is_dir():
        raise BookFormatError(f"{p} is a folder; give the path of the book file itself (.txt or .epub).")
    st = p.stat()
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _cache:
        _cache[key] = Book(layout(paragraphs_from_bytes(p.read_bytes(), p.name)), str(p))
    return _cache[key]


def _remembered() -> str | None:
    cfg = config_path()
    try:
        return json.loads(cfg.read_text(encoding="utf-8")).get("path")
    except (OSError, ValueError, AttributeError):
        return None


def open_book(path: str | os.PathLike | None = None) -> Book:
    """Open the reader's copy: ``path``, else ``$COURSE_BOOK``, else the session's, else the remembered one.

    Raises :class:`BookNotFound` (with instructions) when there is none, :class:`BookFormatError` for an
    empty, binary or corrupt file, :class:`NotThisBook` for a text that is not *Stalin in Power*.
    Parsed copies are cached by file path, size and modification time.
    """
    if path is not None:
        return _load_path(path)
    if os.environ.get(ENV_VAR):
        return _load_path(os.environ[ENV_VAR])
    if _session is not None:
        return _session
    remembered = _remembered()
    if remembered:
        return _load_path(remembered)
    raise BookNotFound(HOW_TO_ATTACH)


def current_book() -> Book | None:
    """The attached copy, or ``None`` when there is none (errors in a configured copy still raise)."""
    try:
        return open_book()
    except BookNotFound:
        return None


def attach(source: str | os.PathLike | bytes | Book, *, remember: bool = False, name: str = "uploaded file") -> Book:
    """Use this copy for the rest of the session; ``remember=True``: also in every other notebook and later
    sessions (a path is remembered; uploaded bytes are stored in :func:`stored_copy_dir` first)."""
    global _session
    if isinstance(source, Book):
        book = source
    elif isinstance(source, (bytes, bytearray)):
        book = load_bytes(bytes(source), name)
        if remember:  # keep the upload in the user's data folder, so every notebook finds it
            _remember(_store(bytes(source), name), name)
    else:
        book = _load_path(source)
        if remember:
            _remember(Path(source).expanduser().resolve(), Path(source).name)
    _session = book
    return book


def _remember(path: Path, name: str) -> None:
    cfg = config_path()
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(json.dumps({"path": str(path), "name": name}), encoding="utf-8")


def copy_origin() -> str | None:
    """Where the copy in use comes from: "env" (``COURSE_BOOK``), "session", "remembered", or None."""
    if os.environ.get(ENV_VAR):
        return "env"
    if _session is not None:
        return "session"
    return "remembered" if _remembered() else None


def detach(*, forget: bool = False) -> None:
    """Stop using the session's copy (``forget=True``: also forget the remembered one, and delete an
    uploaded copy kept in :func:`stored_copy_dir`; a copy elsewhere on disk is never deleted)."""
    global _session
    _session = None
    if forget:
        remembered = _remembered()
        config_path().unlink(missing_ok=True)
        if remembered and Path(remembered).parent == stored_copy_dir():
            Path(remembered).unlink(missing_ok=True)


def upload_widget(on_attach=None):
    """The book status box: whether a copy is attached, an upload button to attach one (remembered for
    every unit: kept in the user's data folder, never the course folder) and "Forget my copy".

    ``on_attach(book)`` is called after a successful upload or a forget (with ``None``); readings already
    shown in the notebook are refreshed in any case.
    """
    from ._upload import UploadBox

    return UploadBox(on_attach=on_attach)
