"""The upload widget: attach a copy of the book from the browser (ipywidgets ``FileUpload``)."""
from __future__ import annotations

import html

import ipywidgets as w

from . import attach, how_to_attach
from ._model import BookError


class UploadBox(w.VBox):
    """A FileUpload for a .txt/.epub copy plus a status line; :meth:`load` is what the button does."""

    def __init__(self, on_attach=None) -> None:
        self.on_attach = on_attach
        self.upload = w.FileUpload(accept=".txt,.epub,.md", multiple=False, description="Attach book",
                                   tooltip="Upload your own copy of Stalin in Power (.txt or .epub)",
                                   layout=w.Layout(width="auto"))
        self.status = w.HTML(self._message(how_to_attach().split(". To attach")[0] + "."))
        self.upload.observe(self._uploaded, names="value")
        super().__init__([w.HTML("<b>Your copy of the book</b>"), self.upload, self.status])

    @staticmethod
    def _message(text: str, ok: bool | None = None) -> str:
        color = {True: "var(--jp-success-color1,green)", False: "var(--jp-error-color1,#c62828)"}.get(ok, "inherit")
        return f'<div role="status" style="color:{color}">{html.escape(text)}</div>'

    def _uploaded(self, change) -> None:
        files = change["new"]
        if files:
            f = files[0]
            self.load(bytes(f["content"]), f["name"])

    def load(self, data: bytes, name: str):
        """Parse and attach ``data``; report success or a clear error in the status line."""
        try:
            book = attach(data, name=name)
        except BookError as exc:
            self.status.value = self._message(f"Could not use {name}: {exc}", ok=False)
            return None
        missing = book.missing_chapters
        note = f" (chapters missing from this copy: {missing})" if missing else ""
        self.status.value = self._message(
            f"Attached {name}: {len(book.chapters)} chapters{note}. Passages will now show.", ok=True)
        if self.on_attach:
            self.on_attach(book)
        return book
