"""Message bodies: an allow list of simple HTML (nh3), and a plain-text rendering."""

import re
from html import escape, unescape
from html.parser import HTMLParser

import nh3

TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a"}
ATTRIBUTES = {"a": {"href"}}
SCHEMES = {"http", "https", "mailto"}
BLOCK = re.compile(r"<\s*(p|br|ul|ol|li|div|h[1-6]|blockquote)\b", re.IGNORECASE)
MERGE = re.compile(r"\{\{\s*(pupil_first_name|school_name)\s*\}\}")


def clean(html: str) -> str:
    """Keep paragraphs, bold, italic, lists and http(s)/mailto links; drop the rest."""
    text = (html or "").replace("\r\n", "\n")
    if not BLOCK.search(text):
        # Typed without the editor (perhaps with a <strong> or a link in it): blank lines
        # make paragraphs and single line breaks stay. Plain text is escaped first.
        plain = "<" not in text
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join(
            "<p>" + (escape(p) if plain else p).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    return nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def merge(template: str, values: dict[str, str], *, html: bool) -> str:
    """Fill {{ pupil_first_name }} and {{ school_name }}; values are escaped for HTML."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        return escape(value) if html else value

    return MERGE.sub(fill, template)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str] = []
        self.ordered: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "p":
            self.out.append("\n\n")
        elif tag in ("ul", "ol"):
            self.ordered.append(0 if tag == "ol" else -1)
            self.out.append("\n")
        elif tag == "li":
            if self.ordered and self.ordered[-1] >= 0:
                self.ordered[-1] += 1
                self.out.append(f"\n{self.ordered[-1]}. ")
            else:
                self.out.append("\n- ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href") or "")
        elif tag in ("strong", "b"):
            self.out.append("*")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            href = self.href.pop()
            if href:
                self.out.append(f" ({href.removeprefix('mailto:')})")
        elif tag in ("ul", "ol") and self.ordered:
            self.ordered.pop()
            self.out.append("\n")
        elif tag in ("strong", "b"):
            self.out.append("*")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def to_text(html: str) -> str:
    """Plain text for the text/plain part: paragraphs, list markers, links written out."""
    parser = _Text()
    parser.feed(html)
    text = unescape("".join(parser.out))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
