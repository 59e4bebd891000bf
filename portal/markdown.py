"""A small, safe Markdown subset for task descriptions: all text is escaped, only our tags emitted.

Supported: paragraphs, `#` headings (rendered from h3 down), fenced code blocks, `-`/`*`/`1.`
lists, `> ` quotes, inline `code`, **bold** and *italic*. Raw HTML is shown as text.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)")


def _inline(text: str) -> str:
    """Escape a line of text, then apply code spans, bold and italic."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        # An unmatched backtick stays literal text.
        last = parts.pop()
        parts[-1] += "`" + last
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 1:
            out.append(f"<code>{escape(part)}</code>")
            continue
        chunk = escape(part)
        chunk = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", chunk)
        chunk = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", chunk)
        out.append(chunk)
    return "".join(out)


def render_markdown(text: str) -> SafeString:
    """Render the supported subset to HTML; every character of input is escaped."""
    lines = text.replace("\r\n", "\n").split("\n")
    html: list[str] = []
    paragraph: list[str] = []
    list_kind: str | None = None
    list_items: list[str] = []
    quote: list[str] = []

    def flush() -> None:
        nonlocal list_kind, list_items, paragraph, quote
        if paragraph:
            html.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph = []
        if list_kind:
            items = "".join(f"<li>{_inline(item)}</li>" for item in list_items)
            html.append(f"<{list_kind}>{items}</{list_kind}>")
            list_kind, list_items = None, []
        if quote:
            html.append(
                "<blockquote><p>"
                + "<br>".join(_inline(line) for line in quote)
                + "</p></blockquote>"
            )
            quote = []

    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):
            flush()
            fence = _FENCE.match(line).group(1)  # type: ignore[union-attr]
            body = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(fence):
                body.append(lines[index])
                index += 1
            html.append("<pre><code>" + escape("\n".join(body)) + "</code></pre>")
            index += 1
            continue
        if not line.strip():
            flush()
        elif heading := _HEADING.match(line):
            flush()
            level = min(len(heading.group(1)) + 2, 6)
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif (bullet := _BULLET.match(line)) or (ordered := _ORDERED.match(line)):
            kind = "ul" if bullet else "ol"
            match = bullet or ordered
            if paragraph or quote or (list_kind and list_kind != kind):
                flush()
            list_kind = kind
            list_items.append(match.group(1))  # type: ignore[union-attr]
        elif quoted := _QUOTE.match(line):
            if paragraph or list_kind:
                flush()
            quote.append(quoted.group(1))
        elif list_kind and line.startswith(("  ", "\t")):
            list_items[-1] += " " + line.strip()
        else:
            if list_kind or quote:
                flush()
            paragraph.append(line.strip())
        index += 1
    flush()
    return mark_safe("\n".join(html))  # noqa: S308  (built only from escaped text)
