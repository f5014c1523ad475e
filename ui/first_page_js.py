"""The first page's JavaScript asked for with the page's HTML, not after the script run's elements arrive.

Streamlit's frontend loads each kind of element's code (a data grid, a file uploader, a select box...) the first time
the server sends one: on a cold start the Data page's six kinds pull in 61 JavaScript files only once the first script
run's messages come in, so the browser fetches and compiles them while the person waits for the page
(benchmarks/cold_start_timeline.py lists them).  :class:`PreloadFirstPage` (app.py's ``st.App`` middleware) adds a
``<link rel="modulepreload">`` for each of those files once the session's websocket opens, so the browser fetches and
compiles them while the server runs the first script: by the time the elements arrive their code is ready.

The files are found at server start in Streamlit's own static folder, by element kind and then by following each
file's ``import ... from "./x.js"`` (the build's hashed names change with every Streamlit release; the kinds do not):
a kind that a release renames or drops is simply not preloaded, and the page loads its code as before.  Only the HTML
document is touched (``text/html``, not compressed); every other response passes through as it is."""
from __future__ import annotations

import json
import re
from pathlib import Path

# The element kinds the first page draws: the headline's metrics, the upload section's uploader and buttons, the
# validation report's grids and downloads, the sidebar's working-plan select box.
FIRST_PAGE_KINDS = ("Metric", "DataFrame", "FileUploader", "Button", "DownloadButton", "Selectbox")
_IMPORT = re.compile(r'(?:from|import)\s*"\./([^"/]+\.js)"')


def _js_dir() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static" / "js"


def first_page_files(js_dir: Path | None = None, kinds: tuple[str, ...] = FIRST_PAGE_KINDS) -> list[str]:
    """The JavaScript files (names in ``js_dir``) the ``kinds`` of elements load, with every file they import, less
    those the HTML document already asks for; [] when the folder or a kind is not there."""
    js_dir = js_dir or _js_dir()
    index = js_dir.parent.parent / "index.html"
    if not js_dir.is_dir() or not index.is_file():
        return []
    already = set(re.findall(r'static/js/([^"/]+\.js)', index.read_text(encoding="utf-8")))
    todo = [f.name for kind in kinds for f in sorted(js_dir.glob(f"{kind}.*.js"))]
    seen: dict[str, None] = {}
    while todo:
        name = todo.pop()
        if name in seen or not (js_dir / name).is_file():
            continue
        seen[name] = None
        todo += _IMPORT.findall((js_dir / name).read_text(encoding="utf-8"))
    return sorted(set(seen) - already)


# Adds the links when the session's websocket opens (the server then runs the first script, a second or so in which
# the browser waits): links in the HTML itself were fetched alongside Streamlit's main bundle, and links added on
# DOMContentLoaded took the browser's six connections to the server just as the page asked for its health check
# and host config; either way the session's first message came ~0.5 s later (cold_start_timeline.py, load 2-7).
# The socket is watched through a Proxy, which leaves WebSocket itself (its prototype, constants) as it is; a
# frontend that never opens one gets the links 3 s after DOMContentLoaded.
_SCRIPT = ("<script>(()=>{const files=%s;let done=false;const go=()=>{if(done)return;done=true;for(const f of files){"
           "const l=document.createElement('link');l.rel='modulepreload';l.crossOrigin='';l.href='./static/js/'+f;"
           "document.head.append(l)}};const W=window.WebSocket;window.WebSocket=new Proxy(W,{construct(t,a,n){"
           "const s=Reflect.construct(t,a,n);s.addEventListener('open',go,{once:true});return s}});"
           "addEventListener('DOMContentLoaded',()=>setTimeout(go,3000))})()</script>")


def preload_links(files: list[str]) -> bytes:
    """The script that asks for ``files`` (names in Streamlit's static/js) once the session's websocket opens."""
    return (_SCRIPT % json.dumps(files, separators=(",", ":"))).encode() if files else b""


class PreloadFirstPage:
    """ASGI middleware: the HTML document (any page's URL serves the same one) gets :func:`preload_links` just before
    its ``</head>``.  A page's URL is asked for uncompressed, so the document can be read and its length set again."""

    def __init__(self, app, files: list[str] | None = None):
        self.app = app
        self.links = preload_links(first_page_files() if files is None else files)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.links or scope.get("method") != "GET" \
                or "." in scope.get("path", "").rsplit("/", 1)[-1]:  # a file (.js, .css, .png...): as it is
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict | None = None
        body: list[bytes] = []

        async def rewrite(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    start = message  # held until the whole document is in
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                html = b"".join(body).replace(b"</head>", self.links + b"</head>", 1)
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
                message = {"type": "http.response.body", "body": html}
            await send(message)

        await self.app(scope, receive, rewrite)
