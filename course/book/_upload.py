"""The book status box: is a copy attached, attach one (once, for every unit), forget it.

One box at the top of each unit and on the start page. An upload is parsed, then kept in the user's own
data folder (:func:`course.book.stored_copy_dir`) and remembered, so every other notebook finds it; the
readings already shown in this notebook are redrawn at once (:func:`course.readings.refresh_shown`).
"""
from __future__ import annotations

import html

import ipywidgets as w

from . import ENV_VAR, attach, copy_origin, current_book, detach
from ._model import BookError

_OTHER_WAYS = (
    "<details><summary>Other ways to attach a copy</summary><ul>"
    "<li>in code: <code>course.book.attach('path/to/stalin-in-power.txt', remember=True)</code></li>"
    f"<li>before starting Jupyter: set the environment variable <code>{ENV_VAR}=/path/to/your/copy</code></li>"
    "</ul>The course never ships the book (it is copyrighted): without a copy each reading shows our "
    "summary and its citation.</details>")


class UploadBox(w.VBox):
    """Status line, upload button ("Attach book") and "Forget my copy"; :meth:`load` is what an upload does."""

    def __init__(self, on_attach=None) -> None:
        self.on_attach = on_attach
        self.upload = w.FileUpload(accept=".txt,.epub,.md", multiple=False, description="Attach book",
                                   tooltip="Upload your own copy of Stalin in Power (.txt or .epub)",
                                   layout=w.Layout(width="auto"))
        self.forget = w.Button(description="Forget my copy", tooltip="Stop using the remembered copy and delete "
                               "the uploaded file from your data folder", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.more = w.HTML(_OTHER_WAYS)
        self.upload.observe(self._uploaded, names="value")
        self.forget.on_click(lambda _: self.drop())
        super().__init__([self.status, w.HBox([self.upload, self.forget]), self.more])
        self.show_state()

    @staticmethod
    def _message(text: str, ok: bool | None = None) -> str:
        color = {True: "var(--jp-success-color1,green)", False: "var(--jp-error-color1,#c62828)"}.get(ok, "inherit")
        return f'<div role="status" style="color:{color}"><b>Your copy of the book:</b> {text}</div>'

    def show_state(self, note: str = "", ok: bool | None = None) -> None:
        """Say where the copy comes from (or that there is none) and show the controls that apply."""
        try:
            book = current_book()
        except BookError as exc:  # a configured copy that cannot be read
            book, note, ok = None, f"the configured copy could not be read: {html.escape(str(exc))}", False
        origin = copy_origin() if book else None
        if note:
            text = note
        elif book is None:
            text = ("none attached, so readings show our summaries. Attach your own copy (.txt or .epub) once "
                    "and every unit shows the passages.")
        else:
            where = {"env": f"set by {ENV_VAR}", "session": "attached in this notebook",
                     "remembered": "remembered for every unit"}.get(origin, "")
            text = f"{html.escape(_name(book))} ({len(book.chapters)} chapters; {where})."
        self.status.value = self._message(text, ok)
        self.upload.layout.display = "none" if book is not None else None
        self.forget.layout.display = None if origin in ("session", "remembered") else "none"
        self.more.layout.display = "none" if book is not None else None

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with its status as plain text where widgets do not render (a saved notebook)."""
        import re

        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, dict):
            data["text/plain"] = html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
        return data

    def _uploaded(self, change) -> None:
        files = change["new"]
        if files:
            f = files[0]
            self.load(bytes(f["content"]), f["name"])

    def load(self, data: bytes, name: str):
        """Parse ``data``, remember it for every unit and refresh the readings; report success or the error."""
        try:
            book = attach(data, name=name, remember=True)
        except BookError as exc:
            self.show_state(f"could not use {html.escape(name)}: {html.escape(str(exc))}", ok=False)
            return None
        except OSError as exc:  # parsed, but it could not be stored: use it in this notebook only
            book = attach(data, name=name)
            self.show_state(f"attached {html.escape(name)} for this notebook only (it could not be saved for "
                            f"the other units: {html.escape(str(exc))}).", ok=True)
            self._refresh(book)
            return book
        missing = book.missing_chapters
        gap = f" Chapters missing from this copy: {missing}." if missing else ""
        self.show_state(f"attached {html.escape(name)}, {len(book.chapters)} chapters, remembered for every unit."
                        f"{gap} The readings in this notebook now show the passages; in a notebook that is "
                        "already open, run its cells again (Run ▸ Run All Cells).", ok=True)
        self._refresh(book)
        return book

    def drop(self) -> None:
        """Forget the copy (and delete an uploaded file from the user's data folder); refresh the readings."""
        detach(forget=True)
        self.show_state()
        self._refresh(None)

    def _refresh(self, book) -> None:
        from ..readings import refresh_shown

        refresh_shown()
        if self.on_attach:
            self.on_attach(book)


def _name(book) -> str:
    from pathlib import Path

    return Path(book.source).name if book.source else "your copy"
