"""Page weight of one page of a running portal: its HTML and the scripts and styles it loads.

    .venv/bin/python scripts/page_weight.py http://127.0.0.1:8000/

Each same-site file is fetched once and counted raw and gzip-compressed (level 9, as WhiteNoise
stores it), so two versions of a page compare on what a browser downloads. Figures a page
fetches as JSON afterwards (`data-figure-url`) are listed apart, as data.
"""

import argparse
import gzip
import re
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse
from urllib.request import urlopen


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.code: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.code.append(str(found["src"]))
        if tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.code.append(str(found["href"]))
        if found.get("data-figure-url"):
            self.data.append(str(found["data-figure-url"]))


def _fetch(url: str) -> bytes:
    with urlopen(url, timeout=30) as response:  # noqa: S310 - a URL the operator gives
        return bytes(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    args = parser.parse_args()
    html = _fetch(args.url)
    assets = _Assets()
    assets.feed(html.decode())
    # Scripts a page loads on demand name themselves in a data-src attribute (lazy loading).
    lazy = re.findall(rb'data-(?:plotly|lazy)-src="([^"]+)"', html)
    rows = [("HTML", args.url, html)]
    for src in assets.code:
        url = urljoin(args.url, src)
        if urlparse(url).netloc == urlparse(args.url).netloc:
            rows.append(("asset", url, _fetch(url)))
    for src in lazy:
        rows.append(
            ("on demand", urljoin(args.url, src.decode()), _fetch(urljoin(args.url, src.decode())))
        )
    data = [("data", urljoin(args.url, u), _fetch(urljoin(args.url, u))) for u in assets.data]
    total_raw = total_gz = 0
    for kind, url, body in rows + data:
        packed = len(gzip.compress(body, 9))
        print(f"{kind:10} {len(body):>10,} B raw {packed:>9,} B gzip  {urlparse(url).path}")
        if kind != "data":
            total_raw += len(body)
            total_gz += packed
    print(f"{'total':10} {total_raw:>10,} B raw {total_gz:>9,} B gzip  (HTML + JS + CSS)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
