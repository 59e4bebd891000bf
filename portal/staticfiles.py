"""A static files finder that serves plotly.js from the installed plotly package."""

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PLOTLY_JS_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS_NAME = "plotly.min.js"
PREFIX = "vendor"
STATIC_PATH = f"{PREFIX}/{PLOTLY_JS_NAME}"


class PlotlyFinder(BaseFinder):
    """Finds only `vendor/plotly.min.js`, so the package's other data is never collected."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_JS_DIR)
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if not (PLOTLY_JS_DIR / PLOTLY_JS_NAME).is_file():
            return [Error(f"{PLOTLY_JS_DIR / PLOTLY_JS_NAME} is missing", id="portal.E001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        if path == STATIC_PATH and (PLOTLY_JS_DIR / PLOTLY_JS_NAME).is_file():
            match = str(PLOTLY_JS_DIR / PLOTLY_JS_NAME)
            return [match] if find_all else match
        return []

    def list(self, ignore_patterns: Any):  # type: ignore[no-untyped-def]
        if (PLOTLY_JS_DIR / PLOTLY_JS_NAME).is_file():
            yield PLOTLY_JS_NAME, self.storage
