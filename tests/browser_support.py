"""Headless Chromium for tests of the HTML pages: screenshot a file, count the chart colours drawn.

Rendering in a real browser is the only proof that inline SVG charts show (a page can hold an
``<svg>`` that draws nothing, or fail to parse). Without Chromium the test is skipped on a
laptop but fails in CI (``CI`` set), where the browser is part of the setup.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def browser() -> str:
    """The Chromium executable (skip, or fail in CI, when there is none)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def screenshot(html_file: Path, png: Path, size: tuple[int, int] = (1000, 2600)) -> Path:
    """Render ``html_file`` headless into ``png`` (a throw-away profile beside it); return ``png``."""
    subprocess.run([browser(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={png.parent / 'chromium-profile'}", f"--window-size={size[0]},{size[1]}",
                    f"--screenshot={png}", Path(html_file).resolve().as_uri()],
                   check=True, capture_output=True, timeout=180)
    return png


def colour_pixels(png: Path, colours: dict[str, str], tolerance: int = 12) -> dict[str, int]:
    """How many pixels of each ``"#rrggbb"`` colour (within ``tolerance`` per channel) ``png`` holds."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=int)
    return {name: int((abs(pixels - [int(c[i:i + 2], 16) for i in (1, 3, 5)]) <= tolerance).all(axis=-1).sum())
            for name, c in colours.items()}
