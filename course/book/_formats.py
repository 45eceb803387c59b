"""Read a copy of the book into paragraphs: plain text / markdown, or EPUB (the real container)."""
from __future__ import annotations

import posixpath
import re
import zipfile
from html.parser import HTMLParser
from io import BytesIO
from xml.etree import ElementTree

from ._model import BookFormatError

ZIP_MAGIC = b"PK\x03\x04"


def paragraphs_from_bytes(data: bytes, name: str) -> list[str]:
    """Paragraphs of a copy given as bytes; the format is told by content, not by the file name."""
    if not data.strip():
        raise BookFormatError(f"{name} is empty. Attach the book's .txt or .epub file.")
    if data.startswith(ZIP_MAGIC):
        return epub_paragraphs(data, name)
    if b"\x00" in data[:4096]:
        raise BookFormatError(
            f"{name} is a binary file, not text or EPUB. Attach the book as a UTF-8 .txt or an .epub file "
            "(a PDF or a Word file will not do: save it as plain text first).")
    return text_paragraphs(decode(data, name))


def decode(data: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BookFormatError(f"{name} is not readable text (neither UTF-8 nor Windows-1252).")


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; single line breaks inside one are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


# -- EPUB ------------------------------------------------------------------------------------------
_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf"}
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "pre", "dt", "dd", "figcaption"}


def epub_paragraphs(data: bytes, name: str) -> list[str]:
    """Paragraphs of an EPUB, documents in spine order (container.xml -> OPF -> spine -> XHTML)."""
    try:
        zf = zipfile.ZipFile(BytesIO(data))
        container = ElementTree.fromstring(zf.read("META-INF/container.xml"))
        rootfile = container.find(".//c:rootfile", _NS)
        if rootfile is None:
            raise BookFormatError(f"{name}: META-INF/container.xml names no package file.")
        opf_path = rootfile.get("full-path", "")
        opf = ElementTree.fromstring(zf.read(opf_path))
        base = posixpath.dirname(opf_path)
        manifest = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", _NS)}
        spine = [ref.get("idref") for ref in opf.iterfind(".//opf:spine/opf:itemref", _NS)]
        if not spine:
            raise BookFormatError(f"{name}: the EPUB's spine is empty.")
        paras: list[str] = []
        for idref in spine:
            href = manifest.get(idref)
            if href is None:
                raise BookFormatError(f"{name}: the spine names {idref!r}, which the manifest lacks.")
            doc = zf.read(posixpath.normpath(posixpath.join(base, href))).decode("utf-8", "replace")
            paras.extend(_XhtmlBlocks.of(doc))
        return paras
    except BookFormatError:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, EOFError, ValueError, OSError) as exc:
        raise BookFormatError(
            f"{name} is not a readable EPUB ({type(exc).__name__}: {exc}). Download the file again, "
            "or convert it to plain text (for example with Calibre) and attach the .txt.") from exc


class _XhtmlBlocks(HTMLParser):
    """Text of block elements, one paragraph each; ``<hr>`` becomes a ``*`` section break;
    ``<em>``/``<i>`` become markdown emphasis, as in the text edition."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.buf: list[str] = []
        self.skip = 0

    @classmethod
    def of(cls, doc: str) -> list[str]:
        parser = cls()
        parser.feed(doc)
        parser.close()
        parser._flush()
        return parser.blocks

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buf)).strip()
        if text:
            self.blocks.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in _BLOCKS:
            self._flush()
        elif tag == "hr":
            self._flush()
            self.blocks.append("*")
        elif tag == "br":
            self.buf.append(" ")
        elif tag in ("em", "i"):
            self.buf.append("*")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self._flush()
        elif tag in ("em", "i"):
            self.buf.append("*")

    def handle_data(self, data):
        if not self.skip:
            self.buf.append(data)
