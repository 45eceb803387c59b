"""The book loader on a synthetic copy (always) and on the shared copy (when present)."""
from __future__ import annotations

import re
import zipfile

import pytest

from conftest import make_epub
from course import book as B
from course.book import open_book


# -- structure of the synthetic copy ---------------------------------------------------------------
def test_structure_of_synthetic_copy(mini_book_file):
    b = open_book(mini_book_file)
    assert [c.number for c in b.chapters] == [0, 1, 2]
    assert [p.title for p in b.parts] == ["The Setting"]
    assert b.chapter(0).part is None and b.chapter(1).part.number == 1
    assert [s.heading for s in b.chapter(1).sections] == ["Muscovy Encircled", "The Origins of Autocracy", "Hungry Thirty-Three"]
    assert b.section(2, "a reformist road to socialism").heading == "A Reformist Road to Socialism"
    assert b.missing_chapters == list(range(3, 23))


def test_front_matter_toc_and_adverts_are_not_chapters(mini_book_file):
    b = open_book(mini_book_file)
    assert "newsletter" not in b.text and "If you enjoyed" not in b.text
    assert "[Preface]" not in b.text
    assert "Preface" not in b.chapter(0).text


def test_epigraph_before_a_chapter_belongs_to_it(mini_book_file):
    b = open_book(mini_book_file)
    assert b.chapter(2).text.startswith("History knows all sorts of invented metamorphoses.")
    assert "metamorphoses" not in b.chapter(1).text


def test_page_broken_paragraph_is_joined(mini_book_file):
    b = open_book(mini_book_file)
    ex = b.excerpt("In this invented paragraph the grand princes", chapter=1)
    assert ex.text.endswith("with the text before it.")


def test_excerpt_with_end_anchor_and_citation(mini_book_file):
    b = open_book(mini_book_file)
    ex = b.excerpt("Absolute power grew out of", "inside his name", chapter=1)
    assert ex.text.startswith("Absolute power") and ex.text.endswith("inside his name.")
    assert ex.citation.chapter.number == 1 and ex.citation.section.heading == "The Origins of Autocracy"
    assert "Part One: The Setting" in str(ex.citation)
    assert "<blockquote" in ex._repr_html_() and ex.citation.section.heading in ex._repr_markdown_()


@pytest.mark.parametrize("anchor", [
    "Stalin's name with a curly apostrophe",       # straight apostrophe against the copy's curly one
    "an “emphasised” word sits",                    # quotes where the copy has *emphasis*
    "A soft hyphen sits inside",                    # the copy has a soft hyphen in "hyphen"
    "the officer Gorbatov appears",                 # Latin letters against the copy's Cyrillic ones
    "the   grand\nprinces built an army",           # white space and line breaks
])
def test_anchor_matching_ignores_typography(mini_book_file, anchor):
    assert open_book(mini_book_file).excerpt(anchor).fuzzy is False


def test_anchor_tolerates_a_changed_word(mini_book_file):
    ex = open_book(mini_book_file).excerpt("The small principality of Muscovy grew by gathering lands")
    assert ex.fuzzy and ex.text.startswith("The small principality of Moscow")


def test_missing_anchor_names_closest_candidates(mini_book_file):
    with pytest.raises(B.AnchorNotFound) as err:
        open_book(mini_book_file).excerpt("the principality of Kiev shrank by losing lands")
    assert "not found" in str(err.value) and "Closest passages" in str(err.value)
    assert err.value.candidates and err.value.candidates[0].chapter.number == 1


def test_ambiguous_anchor_says_where(mini_book_file):
    with pytest.raises(B.AmbiguousAnchor) as err:
        open_book(mini_book_file).excerpt("a repeated phrase here")
    assert len(err.value.locations) == 2
    assert "Chapter 1" in str(err.value) and "Chapter 2" in str(err.value)
    # narrowing to a chapter resolves it
    assert open_book(mini_book_file).excerpt("a repeated phrase here", chapter=2).citation.chapter.number == 2


def test_search_is_a_concordance_with_locations(mini_book_file):
    hits = open_book(mini_book_file).search("stalin's")
    assert len(hits) == 2
    assert {h.location.chapter.number for h in hits} == {0, 1}
    assert all(h.match.lower().startswith("stalin") for h in hits)
    assert "<table>" in hits._repr_html_()


# -- formats and bad input --------------------------------------------------------------------------
def _epub_docs(mini_book_file):
    """The synthetic copy as EPUB documents: one per chapter, headings as <h1>/<h2>, breaks as <hr/>."""
    from course.book._formats import text_paragraphs

    docs, cur = [], []
    for p in text_paragraphs(mini_book_file.read_text(encoding="utf-8")):
        if p.startswith(("Chapter ", "Introduction:", "Part One")) and cur:
            docs.append(cur)
            cur = []
        tag = "h1" if p.startswith(("Chapter ", "Introduction:", "Part ")) else "hr" if p == "*" else "p"
        cur.append((tag, p))
    docs.append(cur)
    return docs


def test_epub_reads_spine_order_and_gives_the_same_structure(mini_book_file, tmp_path):
    epub = make_epub(_epub_docs(mini_book_file), tmp_path / "copy.epub")
    b = open_book(epub)
    txt = open_book(mini_book_file)
    assert [(c.number, [s.heading for s in c.sections]) for c in b.chapters] == \
           [(c.number, [s.heading for s in c.sections]) for c in txt.chapters]
    assert b.excerpt("Absolute power grew out of", chapter=1).citation.section.heading == "The Origins of Autocracy"


def test_epub_with_a_txt_name_is_still_read_as_epub(mini_book_file, tmp_path):
    epub = make_epub(_epub_docs(mini_book_file), tmp_path / "copy.txt")
    assert len(open_book(epub).chapters) == 3


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "binary"),
    ("Chapter One – Cooking with Herbs\n\nBasil is a plant.\n\nChapter Two – Soups\n\nSoup is hot.\n".encode(), "not those of"),
    (b"Just some notes.\n\nNo chapters at all here.\n", "no chapter headings"),
])
def test_bad_files_give_clear_errors(tmp_path, content, message):
    f = tmp_path / "book.txt"
    f.write_bytes(content)
    with pytest.raises(B.BookFormatError, match=message):
        open_book(f)


def test_corrupt_epub(tmp_path):
    f = tmp_path / "book.epub"
    with zipfile.ZipFile(f, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
    with pytest.raises(B.BookFormatError, match="not a readable EPUB"):
        open_book(f)
    f.write_bytes(b"PK\x03\x04" + b"garbage" * 10)
    with pytest.raises(B.BookFormatError, match="not a readable EPUB"):
        open_book(f)


def test_missing_file_and_no_copy_explain_how_to_attach(tmp_path):
    with pytest.raises(B.BookNotFound, match="No file at"):
        open_book(tmp_path / "nope.txt")
    with pytest.raises(B.BookNotFound, match="COURSE_BOOK"):
        open_book()
    assert B.current_book() is None


# -- where the copy comes from ---------------------------------------------------------------------
def test_resolution_order_env_then_session_then_config(mini_book_file, tmp_path, monkeypatch):
    other = tmp_path / "other.txt"
    other.write_text(mini_book_file.read_text(encoding="utf-8").replace("16,000", "17,000"), encoding="utf-8")
    B.attach(mini_book_file, remember=True)
    assert B.config_path().exists()
    assert open_book().source == str(mini_book_file)
    monkeypatch.setenv("COURSE_BOOK", str(other))
    assert open_book().source == str(other)
    monkeypatch.delenv("COURSE_BOOK")
    B.detach()
    assert open_book().source == str(mini_book_file.resolve())  # remembered in the config file
    B.detach(forget=True)
    assert B.current_book() is None


def test_upload_widget_attaches_a_copy_and_reports_errors(mini_book_file):
    box = B.upload_widget()
    assert box.upload.accept == ".txt,.epub,.md" and box.upload.description
    assert "none attached" in box.status.value and box.forget.layout.display == "none"
    assert box.load(b"not a book at all", "notes.txt") is None
    assert "could not use notes.txt" in box.status.value
    assert B.current_book() is None
    got = box.load(mini_book_file.read_bytes(), "mine.txt")
    assert got is B.current_book() and "attached mine.txt" in box.status.value
    assert "remembered for every unit" in box.status.value and box.upload.layout.display == "none"


def test_an_upload_is_attached_once_for_every_notebook_and_can_be_forgotten(mini_book_file, tmp_path, monkeypatch):
    """Another notebook is another kernel: it sees the upload through the user's data folder, not the session."""
    monkeypatch.chdir(tmp_path)  # the course folder: nothing may be written into it
    box = B.upload_widget()
    box.load(mini_book_file.read_bytes(), "mine.txt")
    stored = B.stored_copy_dir() / "book.txt"
    assert stored.read_bytes() == mini_book_file.read_bytes()
    assert stored.stat().st_mode & 0o077 == 0, "the stored copy is readable by others"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(B, "_session", None)  # a fresh kernel
    assert B.current_book() is not None and B.copy_origin() == "remembered"
    fresh = B.upload_widget()
    assert "remembered for every unit" in fresh.status.value and fresh.forget.layout.display is None
    fresh.drop()  # "Forget my copy"
    assert B.current_book() is None and not stored.exists() and not B.config_path().exists()
    assert "none attached" in fresh.status.value


def test_attaching_refreshes_the_readings_already_shown(mini_book_file, monkeypatch):
    from course import readings

    updated = []

    class Handle:
        def update(self, obj):
            updated.append(obj.data)

    r = next(iter(readings.all_readings().values()))
    monkeypatch.setattr(readings, "_SHOWN", [(Handle(), r, True)])
    B.upload_widget().load(mini_book_file.read_bytes(), "mine.txt")
    assert len(updated) == 1  # redrawn (the mini book lacks this passage: it says why, quietly)
    assert "Passage not shown: no copy" not in updated[0]


# -- the shared copy ---------------------------------------------------------------------------------
@pytest.mark.book
def test_shared_copy_structure(shared_book):
    assert [c.number for c in shared_book.chapters] == list(range(23))
    assert [p.title for p in shared_book.parts] == ["The Setting", "The First Phase", "The Second Phase"]
    parts = {c.number: c.part.number if c.part else 0 for c in shared_book.chapters}
    assert parts == {n: 0 if n == 0 else 1 if n <= 3 else 2 if n <= 11 else 3 for n in range(23)}
    assert "Collectivizing from Above" in [s.heading for s in shared_book.chapter(6).sections]
    assert "Hungry Thirty-Three" in [s.heading for s in shared_book.chapter(8).sections]
    assert all(not re.match(r"^[A-Z ]+ ?:", s.heading) for c in shared_book.chapters for s in c.sections)
    assert "newsletter" not in shared_book.text[-2000:]


@pytest.mark.book
def test_shared_copy_edited_still_resolves(shared_book_file, tmp_path):
    """Straight quotes, re-wrapped lines and a changed word: the course's anchors still resolve."""
    from course.readings import all_readings

    text = shared_book_file.read_text(encoding="utf-8")
    edited = text.replace("’", "'").replace("“", '"').replace("”", '"').replace("—", "--")
    edited = re.sub(r"(?m)^(.{60,}?) ", lambda m: m.group(1) + "\n", edited)  # re-wrap long lines
    edited = edited.replace("original nucleus", "initial nucleus")
    f = tmp_path / "edited.txt"
    f.write_text(edited, encoding="utf-8")
    b = open_book(f)
    assert len(b.chapters) == 23
    ex = b.excerpt("Muscovy's territory grew from an original nucleus of only about", chapter=1)
    assert ex.fuzzy and "initial nucleus" in ex.text
    readings = all_readings()
    for r in readings.values():
        got = r.excerpt(b)
        assert got.citation.chapter.number == r.chapter, r.id


@pytest.mark.book
def test_every_reading_resolves_in_the_shared_copy(shared_book):
    from course.readings import all_readings, check_all

    assert all_readings(), "no readings in course/content/units"
    assert check_all(shared_book) == []


def test_a_quoted_document_stays_a_paragraph_of_its_own():
    """A paragraph ending "as he wrote in his report," then a capital: the book sets off a quoted document;
    it is not a page break to heal, and the excerpt shows it as a quoted document."""
    from course.book._parse import join_broken
    from course.book._model import Citation, Excerpt

    intro = "Thus an inspector went to the district in November and found many things that he did not like, " \
            "and as the inspector wrote in his report,"
    quote = "A system of campaigning methods is being practiced by the local organs."
    assert join_broken([intro, quote]) == [intro, quote]
    broken = ("The committee met for many hours that week and argued at length over the figures for grain "
              "that the various regions of the country had sent in to")
    assert join_broken([broken, "Moscow then ruled."]) == [broken + " Moscow then ruled."]
    html = Excerpt(intro + "\n\n" + quote, Citation(None, None, None), 0, 1).html()
    assert html.count('class="course-extract"') == 1 and "“A system" in html
