"""The rendered book in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium) opens every page of the book served on 127.0.0.1.

Every figure loads, no page logs an error to the console, each chapter's Colab button opens that
chapter's notebook on GitHub, and the occlusion chapter's JavaScript-only slider changes the
picture when moved. As a reader sees the pages: tables are HTML tables (no raw Markdown pipe
text), no code cell has to be scrolled sideways, and every panel of every figure is legible at
the width the page shows it. A screenshot of every whole page is saved in
``_build/screenshots/`` (one PNG per page, for a reviewer to look at the book at a glance). The
book is built once per session (``built_book`` in conftest.py).

Without Chromium the tests skip locally; in CI (``CI=true``) they fail, saying what to install.
"""

import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from PIL import Image

from zfviz.book.plotting import PANELS_KEY

ROOT = Path(__file__).resolve().parent.parent
COLAB = "https://colab.research.google.com/github/zfviz/zfviz/blob/main/{}.ipynb"
INSTALL = "apt-get install -y chromium chromium-driver, and pip install selenium"
# The theme and the widget outputs load these from CDNs. The browser is kept offline (every host
# but 127.0.0.1 is unresolvable), as CI is, so each page's result does not depend on the network:
# a failed fetch of one of these is expected; any other console error, or a fetch from any other
# host, fails the test.
CDNS = (
    "https://cdn.jsdelivr.net/npm/mathjax@3/",  # MathJax: the book's formulas
    "https://cdnjs.cloudflare.com/ajax/libs/require.js/",  # ipywidgets' embed manager needs it
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@",  # renders saved widgets
)


def _missing(what: str) -> None:
    message = f"{what} is missing: the browser tests need it ({INSTALL})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver")
        else None
    )  # fmt: skip
    if browser is None:
        _missing("Chromium (the chromium package)")
    if driver is None:
        _missing("chromedriver (the chromium-driver package)")
    return browser, driver


def _toc() -> tuple[list[str], list[str]]:
    """All pages of the table of contents, and those that are notebooks (chapters)."""
    toc = yaml.safe_load(open(ROOT / "_toc.yml"))
    pages = [toc["root"]] + [c["file"] for c in toc["chapters"]]
    return pages, [p for p in pages if (ROOT / (p + ".ipynb")).exists()]


PAGES, NOTEBOOKS = _toc()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest's output for failures
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on 127.0.0.1, on a free port; the server stops afterwards."""
    assert built_book.returncode == 0, built_book.log
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, the system's browser and driver (nothing is downloaded)."""
    browser_path, driver_path = _chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (pip)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", "--hide-scrollbars",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver, url: str) -> None:
    driver.get(url)
    _wait(driver, "return document.readyState === 'complete'")


def _wait(driver, script: str, *args: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(script, *args):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


_IMAGES = """
return Array.from(document.images).map((img) => ({
  src: img.currentSrc.slice(0, 120), complete: img.complete, width: img.naturalWidth}));
"""

# Figures that code cells drew: the full source (a file or a data: URL), the width the browser
# shows and the file's own width. Hidden images (the static sliders' other frames) are skipped.
_FIGURES = """
return Array.from(document.querySelectorAll('.cell_output img'))
  .filter((img) => img.offsetParent !== null)
  .map((img) => ({src: img.currentSrc, shown: img.getBoundingClientRect().width,
                  natural: img.naturalWidth}));
"""

# Text a reader sees outside the code: the page without its input cells and code blocks. Raw
# Markdown tables (a separator row such as |---|:--:| or, after smart quotes, |—|) show up here.
_PROSE = """
const main = document.querySelector('main') || document.body;
const copy = main.cloneNode(true);
copy.querySelectorAll('.cell_input, div[class^="highlight-"]:not(.cell_output *), script, style')
  .forEach((e) => e.remove());
document.body.appendChild(copy);  // innerText needs a rendered element
const text = copy.innerText;
copy.remove();
return text;
"""

# Code (input cells, printed output, code blocks in the text) wider than the column: the reader
# would have to scroll it sideways.
_WIDE_CODE = """
return Array.from(document.querySelectorAll('main pre'))
  .filter((pre) => pre.scrollWidth > pre.clientWidth + 1)
  .map((pre) => ({first: pre.innerText.split('\\n')[0].slice(0, 80),
                  over: pre.scrollWidth - pre.clientWidth}));
"""

RAW_TABLE_ROW = re.compile(r"\|\s*:?[-\u2013\u2014]+:?\s*\|")
MIN_PANEL_PX = 160  # the narrowest panel of a figure, as the page shows it
MIN_SCALE = 0.75  # a figure shrunk further than this makes its 8-9 pt labels hard to read


@pytest.fixture(scope="module")
def visited(site, browser):
    """Every page of the book opened once: its images, console messages and Colab links."""
    found = {}
    browser.get_log("browser")  # start with an empty log
    for page in PAGES:
        _open(browser, f"{site}/{page}.html")
        # images below the fold may be lazy: ask for all of them, then wait until each settled
        browser.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
        _wait(browser, "return Array.from(document.images).every((img) => img.complete)")
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href*=\"colab.research.google.com\"]'))"
            ".map((a) => a.href)"
        )
        found[page] = {
            "images": browser.execute_script(_IMAGES),
            "console": browser.get_log("browser"),
            "colab": links,
            "figures": browser.execute_script(_FIGURES),
            "prose": browser.execute_script(_PROSE),
            "wide_code": browser.execute_script(_WIDE_CODE),
            "tables": browser.execute_script("return document.querySelectorAll('table').length"),
            "page_width": browser.execute_script(
                "const e = document.documentElement; return [e.scrollWidth, e.clientWidth]"
            ),
        }
        found[page]["height"] = _full_page_screenshot(
            browser, ROOT / "_build" / "screenshots" / f"{Path(page).name}.png"
        )
    return found


def _full_page_screenshot(browser, path: Path, max_height: int = 16000) -> int:
    """The whole page (not just the window) as one PNG: the window is made as tall as the page
    for the shot (a capture beyond the viewport can leave the theme's scrolled containers
    shifted), then set back. Returns the height it shows."""
    width, height = browser.get_window_size()["width"], browser.get_window_size()["height"]
    page = browser.execute_script("return document.documentElement.scrollHeight")
    shown = min(page, max_height)
    try:
        browser.set_window_size(width, shown)
        path.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(path))
    finally:
        browser.set_window_size(width, height)
    return Image.open(path).height


def test_every_page_of_the_table_of_contents_was_served(visited, browser, site):
    _open(browser, f"{site}/index.html")  # the root redirects to the introduction
    _wait(browser, "return location.pathname.endsWith('/book/intro.html')")
    assert set(visited) == set(PAGES)


def test_every_image_on_every_page_loads(visited):
    broken = [f"{page}: {i['src']}" for page, v in visited.items() for i in v["images"]
              if not (i["complete"] and i["width"] > 0)]  # fmt: skip
    assert not broken, "images that did not load:\n" + "\n".join(broken)
    figures = {page: len(v["images"]) for page, v in visited.items()}
    assert figures["book/occlusion"] > 3, figures  # the chapters' figures are there to check


def test_no_console_errors_on_any_page(visited):
    errors = [f"{page}: {e['message']}" for page, v in visited.items() for e in v["console"]
              if e["level"] == "SEVERE" and not _offline_cdn(e["message"])]  # fmt: skip
    assert not errors, "console errors:\n" + "\n".join(errors)


def _offline_cdn(message: str) -> bool:
    """A known CDN's script that the offline browser could not fetch (see CDNS)."""
    return message.startswith(CDNS) and "Failed to load resource: net::ERR_NAME_NOT_RESOLVED" in (
        message
    )


def test_offline_cdn_failures_are_told_apart_from_errors():
    cdn = CDNS[0] + "es5/tex-mml-chtml.js - Failed to load resource: net::ERR_NAME_NOT_RESOLVED"
    assert _offline_cdn(cdn)
    assert not _offline_cdn("https://example.org/x.js - Failed to load resource: "
                            "net::ERR_NAME_NOT_RESOLVED")  # fmt: skip
    assert not _offline_cdn("http://127.0.0.1:8000/book/x.html 62:12 Uncaught SyntaxError")


def test_each_chapters_colab_button_opens_its_notebook(visited):
    for page in NOTEBOOKS:
        assert COLAB.format(page) in visited[page]["colab"], (page, visited[page]["colab"])


def test_static_occlusion_slider_changes_the_picture(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, f"{site}/book/occlusion.html")
    slider = browser.find_element(By.CSS_SELECTOR, ".zfviz-static-slider")
    picture = slider.find_element(By.TAG_NAME, "img")
    first = slider.find_elements(By.CSS_SELECTOR, "input[type=range]")[0]
    label = first.find_element(By.XPATH, "following-sibling::span")
    before, before_label = picture.get_attribute("src"), label.text
    assert before.startswith("data:image/"), before[:40]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.click()  # focus the slider, as a reader would, then move it with the keyboard
    first.send_keys(Keys.HOME, Keys.ARROW_RIGHT)
    after = picture.get_attribute("src")
    assert first.get_attribute("value") == "1"
    assert after != before and label.text != before_label, (before_label, label.text)
    _wait(browser, "return arguments[0].complete && arguments[0].naturalWidth > 0", picture)


def _screenshot(browser, url: str, path: Path) -> Path:
    _open(browser, url)
    browser.save_screenshot(str(path))
    copy = ROOT / "_build" / "screenshots" / path.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    return copy


def test_screenshots_of_the_index_and_a_chapter(site, browser, tmp_path):
    for name, url in (("window-index.png", f"{site}/index.html"),
                      ("window-occlusion.png", f"{site}/book/occlusion.html")):  # fmt: skip
        copy = _screenshot(browser, url, tmp_path / name)
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, name
        assert copy.read_bytes() == data


def raw_markdown_tables(text: str) -> list[str]:
    """Lines of ``text`` that are a Markdown table's separator row: a table left unrendered."""
    return [line.strip()[:80] for line in text.splitlines() if RAW_TABLE_ROW.search(line)]


def test_raw_table_text_is_told_apart_from_prose():
    assert raw_markdown_tables("| a | b |\n|---|--:|\n| 1 | 2 |") == ["|---|--:|"]
    assert raw_markdown_tables("| variant | error |\u2014:|\u2014:|") != []  # after smart quotes
    assert raw_markdown_tables("a | b, and 3 - 2 = 1; |x| is the norm") == []


def test_no_page_shows_raw_markdown_table_text(visited):
    raw = [f"{page}: {line}" for page, v in visited.items()
           for line in raw_markdown_tables(v["prose"])]  # fmt: skip
    assert not raw, "Markdown tables shown as text, not as tables:\n" + "\n".join(raw)


def test_the_chapters_tables_are_html_tables(visited):
    # the pages whose cells display tables (zfviz.core.results.markdown_table): each has <table>s
    for page in ("book/ablations", "book/architecture", "book/wrapup", "book/transfer"):
        assert visited[page]["tables"] > 0, page


def test_no_page_is_wider_than_the_window(visited):
    wide = {page: v["page_width"] for page, v in visited.items()
            if v["page_width"][0] > v["page_width"][1]}  # fmt: skip
    assert not wide, f"pages that scroll sideways (scroll width, window width): {wide}"


def test_no_code_cell_scrolls_sideways(visited):
    wide = [f"{page}: {c['first']!r} ({c['over']} px too wide)" for page, v in visited.items()
            for c in v["wide_code"]]  # fmt: skip
    assert not wide, "code cells wider than the page:\n" + "\n".join(wide)


def _png_bytes(html: Path, src: str) -> bytes:
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    return (html / unquote(urlparse(src).path).lstrip("/")).read_bytes()


def narrowest_panel(png: bytes, shown: float) -> float:
    """The narrowest panel of a figure as the page shows it, in CSS pixels: the panel widths the
    figure recorded (zfviz.book.plotting.with_panel_widths), or the whole image, scaled as shown."""
    image = Image.open(io.BytesIO(png))
    widths = json.loads(getattr(image, "text", {}).get(PANELS_KEY, "[]")) or [image.width]
    return min(widths) * shown / image.width


def test_narrowest_panel_scales_the_recorded_widths():
    buffer = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(PANELS_KEY, "[300.0, 200.0]")
    Image.new("RGB", (800, 100)).save(buffer, format="PNG", pnginfo=info)
    assert narrowest_panel(buffer.getvalue(), shown=400) == 100
    plain = io.BytesIO()
    Image.new("RGB", (800, 100)).save(plain, format="PNG")
    assert narrowest_panel(plain.getvalue(), shown=400) == 400


def test_every_figure_panel_is_legible_at_the_width_the_page_shows(visited, built_book):
    small = []
    for page, v in visited.items():
        for figure in v["figures"]:
            if (
                not figure["src"].split("?")[0].endswith(".png")
                and "image/png" not in figure["src"][:30]
            ):
                continue
            png = _png_bytes(built_book.html, figure["src"])
            panel = narrowest_panel(png, figure["shown"])
            scale = figure["shown"] / figure["natural"]
            if panel < MIN_PANEL_PX or scale < MIN_SCALE:
                name = figure["src"][:60] if not figure["src"].startswith("data:") else "slider"
                small.append(f"{page}: {name}: narrowest panel {panel:.0f} px, "
                             f"shown at {scale:.2f} of its size")  # fmt: skip
    assert not small, (f"figures too small to read (panels >= {MIN_PANEL_PX} px, scale >= "
                       f"{MIN_SCALE}):\n" + "\n".join(small))  # fmt: skip


def test_a_full_page_screenshot_of_every_page(visited):
    for page, v in visited.items():
        shot = ROOT / "_build" / "screenshots" / f"{Path(page).name}.png"
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", page
        assert Image.open(io.BytesIO(data)).height == v["height"], page
    assert max(v["height"] for v in visited.values()) > 1600  # the page, not the window


_BAD_PAGE = """<html><body><main>
<div class="cell_input"><pre>| not | prose |
|---|---|</pre></div>
<div class="cell_output"><p>| variant | error | |---|---:| | baseline | 17.0 |</p></div>
<div class="cell_input" style="width: 200px"><pre style="overflow-x: auto">x = 1  # a line of code
that is far wider than the two hundred pixels of its column, so a reader would scroll</pre></div>
</main></body></html>"""


def test_the_page_checks_catch_a_raw_table_and_a_wide_code_cell(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(_BAD_PAGE)
    _open(browser, page.as_uri())
    assert raw_markdown_tables(browser.execute_script(_PROSE)) != []  # the output's raw table
    assert "| not | prose |" not in browser.execute_script(_PROSE)  # input cells are code
    assert len(browser.execute_script(_WIDE_CODE)) == 1
