"""What every PDF document of psweb must be, checked the same way for the report to IVO and
the investigation report: tagged (PDF/UA-1: structure tree, language, title shown), a
running header on every page with the care provider, the reference and "Sida x av y", and
no heading without content under it."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements that say nothing when empty: an empty one is a hole in the document.
BLOCKS = ("p", "li", "dt", "dd", "td", "th", "blockquote", "ul", "ol", "dl", "table")


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def assert_tagged_pdf(content: bytes, *, title: str, lang: str = "sv") -> set[str]:
    """A PDF/UA-1 document in `lang` titled `title`; the structure types it is tagged with."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/StructTreeRoot"]["/K"], "the structure tree is empty"
    assert root["/Lang"] == lang
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == title
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
    return _structure_types(root["/StructTreeRoot"])


def _structure_types(node) -> set[str]:
    node = node.get_object()
    if isinstance(node, ArrayObject):
        return set().union(*(_structure_types(child) for child in node))
    if not isinstance(node, DictionaryObject):
        return set()  # a marked-content id: the leaf
    found = {str(node["/S"])} if "/S" in node else set()
    return (found | _structure_types(node["/K"])) if "/K" in node else found


def assert_running_header(pages: list[str], *, provider: str, reference: str) -> None:
    for number, text in enumerate(pages, start=1):
        assert f"{provider} · {reference}" in text, (number, text[:300])
        assert f"Sida {number} av {len(pages)}" in text, (number, text[:300])


class _Outline(HTMLParser):
    """The document as a stream of headings, text and section ends, and the blocks that hold
    no text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []
        self.empty_blocks: list[str] = []
        self._heading: list[str] | None = None
        self._open_blocks: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag in HEADINGS:
            self._heading = [tag, ""]
        elif tag in BLOCKS:
            self._open_blocks.append([tag, False])

    def handle_endtag(self, tag):
        if tag in HEADINGS and self._heading:
            self.events.append(("heading", int(tag[1]), self._heading[1].strip()))
            self._heading = None
        elif tag in BLOCKS and self._open_blocks:
            opened, has_text = self._open_blocks.pop()
            assert opened == tag, f"<{opened}> closed by </{tag}>"
            if not has_text:
                self.empty_blocks.append(tag)
        elif tag in ("section", "header", "footer", "article"):
            self.events.append(("end",))

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data
        elif data.strip():
            self.events.append(("text",))
            for block in self._open_blocks:
                block[1] = True

    def empty_headings(self) -> list[str]:
        """Headings followed by no text before a heading of the same or a higher level, or the
        end of their section (a heading over subheadings with text is not empty)."""
        empty = []
        for index, event in enumerate(self.events):
            if event[0] != "heading":
                continue
            for following in self.events[index + 1 :]:
                if following[0] == "text":
                    break
                if following[0] == "end" or following[1] <= event[1]:
                    empty.append(event[2])
                    break
            else:
                empty.append(event[2])
        return empty


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    parser.close()
    return parser


def assert_no_empty_section(html: str) -> list[str]:
    """Every heading has content, no block is empty; the headings, for the caller to check."""
    document = outline(html)
    assert document.empty_headings() == []
    assert document.empty_blocks == []
    return [event[2] for event in document.events if event[0] == "heading"]
