"""The first page's JavaScript asked for with the HTML document (ui/first_page_js.py, app.py's middleware): which files,
found how, and that only the HTML document changes."""
from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.first_page_js import FIRST_PAGE_KINDS, PreloadFirstPage, first_page_files, preload_links

HTML = '<html><head><script type="module" src="./static/js/index.A1.js"></script></head><body></body></html>'


def _build(tmp_path, files: dict[str, str]):
    js = tmp_path / "static" / "js"
    js.mkdir(parents=True)
    (tmp_path / "index.html").write_text(HTML)
    for name, text in files.items():
        (js / name).write_text(text)
    return js


def test_a_kinds_files_are_its_chunk_and_everything_it_imports_less_what_the_document_loads(tmp_path):
    js = _build(tmp_path, {
        "index.A1.js": "export const x = 1;",
        "Metric.M1.js": 'import{a}from"./util.U1.js";import"./style.S1.js";import{x}from"./index.A1.js";',
        "util.U1.js": 'import{b}from"./deep.D1.js";',
        "deep.D1.js": "export const b = 2;",
        "style.S1.js": "",
        "DataFrame.F1.js": 'const m=["./lazy.L1.js"];import{a}from"./util.U1.js";',  # a dynamic import: not followed
        "lazy.L1.js": "",
        "Other.O1.js": "",
    })
    got = first_page_files(js, ("Metric", "DataFrame", "Gone"))  # a kind a release dropped: nothing for it
    assert got == ["DataFrame.F1.js", "Metric.M1.js", "deep.D1.js", "style.S1.js", "util.U1.js"]
    assert first_page_files(tmp_path / "nowhere") == []


def test_the_installed_streamlit_has_every_first_page_kind():
    """On the pinned Streamlit each kind is found, so a release renaming one shows here, not as a slower page."""
    files = first_page_files()
    for kind in FIRST_PAGE_KINDS:
        assert any(re.fullmatch(rf"{kind}\.[^.]+\.js", f) for f in files), kind
    assert not any(f.startswith("index.") for f in files)  # what the document loads already is not asked twice


def _app(middleware_files):
    async def page(_request):
        return HTMLResponse(HTML)

    async def text(_request):
        return PlainTextResponse("</head> stays")

    routes = [Route("/", page), Route("/carve", page), Route("/static/js/app.js", page), Route("/health", text)]
    return TestClient(Starlette(routes=routes, middleware=[Middleware(PreloadFirstPage, files=middleware_files)]))


def test_the_html_document_gets_the_links_and_nothing_else_changes():
    client = _app(["DataFrame.F1.js", "util.U1.js"])
    links = preload_links(["DataFrame.F1.js", "util.U1.js"]).decode()
    assert links.startswith("<script>") and '["DataFrame.F1.js","util.U1.js"]' in links
    for path in ("/", "/carve"):  # every page's URL serves the same document
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.text == HTML.replace("</head>", links + "</head>")
        assert int(r.headers["content-length"]) == len(r.content)
    assert client.get("/static/js/app.js").text == HTML  # a file, even one answering HTML: as it is
    assert client.get("/health").text == "</head> stays"  # not HTML
    assert _app([]).get("/").text == HTML  # nothing to preload: the document as Streamlit sends it
