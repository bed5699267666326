"""ReportLab building blocks every PDF shares: embedded fonts, A4, running footer.

Fonts are Bitstream Vera, shipped inside ReportLab, registered as TrueType so
they are embedded (subset) in every file and text stays selectable and
searchable, accents included. Each page carries a running name (the pupil's)
and "Page N of M".
"""

import bisect
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import reportlab
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Frame,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

if TYPE_CHECKING:
    from django.http import HttpResponse

FONT = "PupilhubSans"
FONT_BOLD = "PupilhubSans-Bold"
NAVY = colors.HexColor("#123664")
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


_register_fonts()
# Binary streams, not ASCII85: ReportLab encodes ASCII85 in pure Python (a logo cost
# 130 ms a report that way), and the files are a fifth smaller.
rl_config.useA85 = 0

STYLES = {
    "title": ParagraphStyle(
        "title", fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=6, textColor=NAVY
    ),
    "h2": ParagraphStyle(
        "h2",
        fontName=FONT_BOLD,
        fontSize=13,
        leading=16,
        spaceBefore=10,
        spaceAfter=4,
        textColor=NAVY,
    ),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5, alignment=TA_LEFT),
    "small": ParagraphStyle(
        "small", fontName=FONT, fontSize=8, leading=10, textColor=colors.HexColor("#444444")
    ),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11, wordWrap="CJK"),
    "cell_bold": ParagraphStyle(
        "cell_bold", fontName=FONT_BOLD, fontSize=9, leading=11, wordWrap="CJK"
    ),
}


def text(value: Any, style: str = "body") -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept."""
    from xml.sax.saxutils import escape

    body = escape(str(value or "")).replace("\n", "<br/>")
    return Paragraph(body, STYLES[style])


CELL_PADDING = 12  # a table cell's left and right padding together (ReportLab: 6 + 6)


def cell(value: Any, width: float) -> Any:
    """A table cell of plain text: the text itself when it fits on one line of a column
    `width` wide (drawn as is, no markup read), else a wrapping paragraph. A print run's
    40-field reports are mostly short values, and a paragraph costs ~20x a string."""
    body = str(value or "")
    if "\n" not in body and (pdfmetrics.stringWidth(body, FONT, 9) <= width - CELL_PADDING):
        return body
    return text(body, "cell")


def table(
    rows: list[list[Any]],
    *,
    widths: list[float] | None = None,
    header: bool = False,
    grid: bool = False,
) -> Table:
    """A table in the embedded font; long cell text wraps (pass Paragraphs via text())."""
    result = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), NAVY),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ]
    if grid:
        style.append(("GRID", (0, 0), (-1, -1), 0.25, colors.grey))
    result.setStyle(TableStyle(style))
    return result


class Heading(Paragraph):
    """A heading that also becomes a PDF outline entry (bookmark)."""

    def __init__(self, value: str, level: int = 0) -> None:
        super().__init__(text(value).text, STYLES["title" if level == 0 else "h2"])
        self.heading = value
        self.level = level

    def draw(self) -> None:
        key = f"h{id(self)}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(self.heading, key, level=self.level, closed=False)
        super().draw()


def _numbered_canvas(running: dict[int, str]) -> type[Canvas]:
    """A canvas that writes the running name and "Page N of M" once pages are known.

    `running` maps the pages where a RunningName marker was drawn to its name (0: the
    default). Each marker starts a section (one pupil's report in a print run): page
    numbers count within the section, and pages carry the latest name before them.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(initialFontName=FONT, lang="en-GB")  # no unembedded Helvetica
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            starts = sorted({1, *(k for k in running if k > 0)})
            for number, state in enumerate(self._pages, start=1):
                at = bisect.bisect_right(starts, number)  # sections: found, not scanned
                start = starts[at - 1]
                end = starts[at] - 1 if at < len(starts) else total
                name = running.get(start, running.get(0, ""))
                self.__dict__.update(state)
                self.setFont(FONT, 8)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawString(18 * mm, 10 * mm, name)
                self.drawRightString(
                    A4[0] - 18 * mm, 10 * mm, f"Page {number - start + 1} of {end - start + 1}"
                )
                super().showPage()
            self.page_count = total
            super().save()

    return NumberedCanvas


class RunningName(Flowable):
    """Zero-size marker starting a section: from this page the footer shows `name` and
    numbers pages afresh. `on_draw` is called when it is laid out (progress bars)."""

    def __init__(self, name: str, running: dict[int, str], on_draw: Any = None) -> None:
        super().__init__()
        self.name, self.running, self.on_draw = name, running, on_draw
        self.width = self.height = 0

    def draw(self) -> None:
        self.running[self.canv.getPageNumber()] = self.name
        if self.on_draw is not None:
            self.on_draw()


def render(
    story: Iterable[Flowable],
    *,
    title: str,
    author: str,
    running_name: str = "",
    running: dict[int, str] | None = None,
    stats: dict[str, int] | None = None,
) -> bytes:
    """Lay `story` out on A4 and return the PDF bytes (`stats["pages"]` gets the count)."""
    running = running if running is not None else {}
    running.setdefault(0, running_name)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator="pupilhub",
    )
    canvases: list[Any] = []
    base = _numbered_canvas(running)

    class Tracked(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            canvases.append(self)

    doc.build(list(story), canvasmaker=Tracked)
    if stats is not None and canvases:
        stats["pages"] = canvases[-1].page_count
    return buffer.getvalue()


def response(data: bytes, filename: str, *, inline: bool = False) -> "HttpResponse":
    """A PDF download: never cached (it holds a child's data)."""
    from django.http import HttpResponse

    from .downloads import attach

    result = HttpResponse(data, content_type="application/pdf")
    attach(result, filename, inline=inline)
    result["X-Content-Type-Options"] = "nosniff"
    return result


log = logging.getLogger(__name__)


class FormRef(Flowable):
    """Draws a form (an XObject defined once in the file, such as the school's logo) at a
    given size: a thousand pages share one copy of the image, decoded once."""

    def __init__(self, name: str, width: float, height: float) -> None:
        super().__init__()
        self.name, self.width, self.height = name, width, height
        self.hAlign = "LEFT"

    def wrap(self, *_: Any) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.doForm(self.name)


class Picture(Flowable):
    """An image already decoded (an ImageReader) drawn at width x height."""

    def __init__(self, image: Any, width: float, height: float) -> None:
        super().__init__()
        self.image, self.width, self.height = image, width, height
        self.hAlign = "LEFT"

    def wrap(self, *_: Any) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.image, 0, 0, self.width, self.height, mask="auto")


class SectionWriter:
    """A long PDF written section by section (a pupil's report each) onto one canvas.

    Each section starts on a fresh page and numbers its own pages "Page N of M": each
    page's number is a form filled in once the section ends (when M is known), so pages
    are never held back for a second pass and
    the story is only ever one section long. Memory grows with the finished (compressed)
    pages only, not with flowables or page states.
    """

    MARGINS = (18 * mm, 18 * mm, 16 * mm, 18 * mm)  # left, right, top, bottom

    def __init__(self, target: Any, *, title: str, author: str) -> None:
        self.canvas = Canvas(
            target, pagesize=A4, initialFontName=FONT, lang="en-GB", pageCompression=1
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator("pupilhub")
        self.pages = 0
        self._sections = 0

    def add_image_form(self, name: str, image: Any, width: float, height: float) -> None:
        """Define `name` as `image` (an ImageReader) scaled into width x height."""
        w, h = image.getSize()
        scale = min(width / w, height / h)
        self.canvas.beginForm(name, 0, 0, width, height)
        self.canvas.drawImage(image, 0, height - h * scale, w * scale, h * scale, mask="auto")
        self.canvas.endForm()

    def section(self, name: str, story: list[Flowable]) -> int:
        """Lay `story` out from a fresh page; return how many pages it took."""
        self._sections += 1
        section = self._sections
        left, right, top, bottom = self.MARGINS
        width, height = A4[0] - left - right, A4[1] - top - bottom
        story = list(story)
        count = 0
        while story or count == 0:
            count += 1
            frame = Frame(left, bottom, width, height, leftPadding=6, rightPadding=6)
            self._fill(frame, story)
            self._footer(name, f"n{section}.{count}")
            self.canvas.showPage()
            self.pages += 1
        for number in range(1, count + 1):
            self.canvas.beginForm(f"n{section}.{number}", 0, 0, self.NUMBER_BOX, 10 * mm)
            self.canvas.setFont(FONT, 8)
            self.canvas.setFillColor(colors.HexColor("#444444"))
            self.canvas.drawRightString(self.NUMBER_BOX, 0, f"Page {number} of {count}")
            self.canvas.endForm()
        return count

    def _fill(self, frame: Frame, story: list[Flowable]) -> None:
        while story:
            head = story[0]
            if frame.add(head, self.canvas, trySplit=1):
                story.pop(0)
                continue
            parts = frame.split(head, self.canvas)
            if parts and frame.add(parts[0], self.canvas, trySplit=0):
                story[0:1] = parts[1:]
                continue
            if frame._atTop:  # too big even for an empty page: leave it out, never loop
                log.warning("a flowable too large for a page was left out")
                story.pop(0)
                continue
            return  # the page is full

    NUMBER_BOX = 50 * mm  # the page number's form, right-aligned in the margin

    def _footer(self, name: str, number_form: str) -> None:
        c = self.canvas
        c.saveState()
        c.setFont(FONT, 8)
        c.setFillColor(colors.HexColor("#444444"))
        c.drawString(18 * mm, 10 * mm, name)
        c.translate(A4[0] - 18 * mm - self.NUMBER_BOX, 10 * mm)
        c.doForm(number_form)
        c.restoreState()

    def save(self) -> None:
        self.canvas.save()
