"""The documents psweb gives as PDF: the investigation report and the Lex Maria report to IVO.

Both are HTML rendered from a template (`<html lang>` and `<title>` set), styled by
`static/css/document.css` (A4, a running header with care provider, reference and "sida x av
y", table rows kept whole and table headers repeated on every page) and made by WeasyPrint into
a tagged PDF/UA-1 document: a structure tree, the document's language and title, so that a
screen reader reads the report to IVO or to a patient as it reads the page. The same PDF
identifier is given to every version of one case's document (its reference), as ISO 32000
intends for the first half of `/ID`.

Nothing is fetched while rendering: no network, no files beyond the stylesheet read here.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.utils.translation import gettext as _

PDF_VARIANT = "pdf/ua-1"


def render_pdf(html: str, *, identifier: str) -> bytes:
    """The tagged PDF (PDF/UA-1) of `html`, styled by document.css."""
    from weasyprint import CSS, HTML  # imported when a PDF is asked for: few requests need it

    with open(finders.find("css/document.css"), encoding="utf-8") as css:
        stylesheets = [CSS(string=css.read()), CSS(string=page_numbers_css())]
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(
        stylesheets=stylesheets,
        pdf_variant=PDF_VARIANT,
        pdf_identifier=identifier.encode(),
    )


def page_numbers_css() -> str:
    """The running header's "Sida 3 av 7" in the active language: the words from the
    catalogue, the numbers from the CSS page counters, in the order the language puts them."""
    marker = "\0"
    text = _("Page %(number)s of %(total)s") % {"number": f"{marker}page{marker}", "total": f"{marker}pages{marker}"}
    pieces = text.split(marker)  # words, "page", words, "pages", words
    parts = [f"counter({piece})" if index % 2 else _css_string(piece) for index, piece in enumerate(pieces) if piece]
    content = " ".join(parts)
    return f"@page {{ @top-right {{ content: {content} }} }}"


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def pdf_response(html: str, *, identifier: str, filename: str) -> HttpResponse:
    """The PDF of `html` as a download named `filename`."""
    response = HttpResponse(render_pdf(html, identifier=identifier), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _no_fetch(url: str, *args, **kwargs):
    """The PDF is made from the HTML and CSS given; nothing is fetched (no network, no files)."""
    raise ValueError(f"psweb does not fetch {url!r} when making a PDF")
