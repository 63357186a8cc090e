"""The verifier page in a real headless Chromium (Debian ``chromium``), driven over the DevTools
protocol: pick a template, read the request link the page shows, answer it as a wallet, and see
the verdict on the page within 2 s of the wallet's response. A screenshot goes to the test's
tmp dir (``verifier-page.png``). Skipped when Chromium is absent, except under ``CI=true``.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verifier_service"))

from _verifier_proc import verifier_process
from svc_holder import bbs_vp_token, degree_credential, holder, resolve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1400",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is required under CI (see .ci/run)")
        pytest.skip("chromium is not installed")
    return exe


class Page:
    """A minimal DevTools protocol client for one page target."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import ClientConnection, connect

        self._ws: ClientConnection = connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=10).__enter__()
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv(timeout=20))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]  # type: ignore[no-any-return]

    def eval(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {expression}")

    def close(self) -> None:
        self._ws.__exit__(None, None, None)


@contextmanager
def chromium(profile: Path, url: str) -> Iterator[Page]:
    proc = subprocess.Popen(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    page: Page | None = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chromium did not start: {proc.stderr.read()[-2000:] if proc.stderr else ''!r}"
                )
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        targets: list[dict[str, Any]] = []
        while not targets and time.monotonic() < deadline:
            targets = [
                t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json() if t["type"] == "page"
            ]
            time.sleep(0.05)
        page = Page(targets[0]["webSocketDebuggerUrl"])
        yield page
    finally:
        if page is not None:
            page.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_page_shows_the_report_within_two_seconds(tmp_path: Path) -> None:
    _chromium()
    now = datetime.now(UTC)
    with verifier_process(tmp_path / "home") as url, chromium(tmp_path / "profile", f"{url}/") as page:
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.wait_for("document.readyState === 'complete' && !!document.getElementById('create')")
        # Accessible form: every template radio has a label, the page has a language.
        assert page.eval("document.documentElement.lang") == "en"
        assert page.eval(
            "[...document.querySelectorAll('input[type=radio]')].every(i => i.labels.length === 1)"
        )
        page.eval("document.getElementById('t-degree').click(); document.getElementById('create').click()")
        link = page.wait_for(
            "location.pathname.startsWith('/ui/transactions/') && document.getElementById('link-text')"
            " ? document.getElementById('link-text').textContent : ''"
        )
        assert link.startswith("openid4vp://")
        assert page.eval("!!document.querySelector('.qr svg')")
        assert page.eval("document.getElementById('result').getAttribute('aria-live')") == "polite"
        assert "Waiting for the wallet" in page.eval("document.getElementById('result').textContent")
        # The wallet answers (our library as the holder).
        req = resolve(link, now=now)
        h = holder()
        base, _ = degree_credential(h, now=now)
        token = bbs_vp_token(base, h, req, "degree_ldp", ["/credentialSubject/degree/type"], now=now)
        r = httpx.post(
            req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]}, timeout=30
        )
        answered = time.monotonic()
        assert r.status_code == 200, r.text
        verdict = page.wait_for(
            "document.getElementById('verdict') ? document.getElementById('verdict').textContent : ''",
            timeout=5,
        )
        shown_after = time.monotonic() - answered
        assert "Verified" in verdict
        text = page.eval("document.getElementById('report').textContent")
        assert "/credentialSubject/degree/type" in text and "ExampleBachelorDegree" in text
        assert "holder_binding" in text and "challenge_domain" in text
        shot = page.call("Page.captureScreenshot", format="png")
        png = base64.b64decode(shot["data"])
        (tmp_path / "verifier-page.png").write_bytes(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
        assert shown_after < 2.0, f"the page showed the result {shown_after:.2f} s after the response"
