"""``verifier`` — run the verifier service (``verifier serve``) or ask a wallet from a terminal
(``verifier request``, against a running service).

Exit codes as in CONVENTIONS.md: 0 ok, 1 the presentation was rejected, 2 usage,
3 input/IO/network (including a wallet that did not answer in time).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from didkit_py.cli._common import JsonOpt, err_console, handle_errors, out_console, print_json, read_json_file
from didkit_py.errors import InvalidInput, NetworkError, VerificationError

from .settings import VerifierSettings

__all__ = ["app", "main"]

app = typer.Typer(
    name="verifier",
    help="The didkit-py verifier service: W3C VC-API verify and OpenID4VP 1.0.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """The didkit-py verifier service."""


@app.command()
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8800; 0 picks a free one).")] = None,
    public_url: Annotated[
        str | None, typer.Option(help="Base URL wallets reach this service at (default http://HOST:PORT).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the service until interrupted.

    Settings come from DIDKIT_VERIFIER_* variables; the options here override them.

    Example: ``verifier serve --port 8800``, then open http://127.0.0.1:8800/.
    """
    import uvicorn

    from .app import create_app

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if public_url is not None:
        overrides["public_url"] = public_url
    settings = VerifierSettings(**overrides)  # type: ignore[arg-type]
    try:
        sock = socket.create_server((settings.host, settings.port))
    except OSError as exc:
        raise InvalidInput(
            f"cannot bind {settings.host}:{settings.port}: {exc.strerror}", code="serve.bind"
        ) from None
    bound = sock.getsockname()[1]
    if settings.port == 0:
        settings = settings.model_copy(update={"port": bound})
    application = create_app(settings)
    err_console.print(
        f"verifier listening on http://{settings.host}:{bound} (public URL {settings.base_url()})"
    )
    # One machine-readable line on stdout so scripts (and `didkit demo`) can find the port.
    sys.stdout.write(
        json.dumps({"url": f"http://{settings.host}:{bound}", "public_url": settings.base_url()}) + "\n"
    )
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(application, log_level=log_level, lifespan="on"))
    server.run(sockets=[sock])


def _call(method: str, url: str, **kw: Any) -> Any:
    import httpx

    key = VerifierSettings().api_key  # DIDKIT_VERIFIER_API_KEY, when the service needs one
    headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key is not None else {}
    try:
        res = httpx.request(method, url, timeout=30, headers=headers, **kw)
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"cannot reach the verifier service: {exc.__class__.__name__}", code="network"
        ) from None
    try:
        body = res.json()
    except ValueError:
        raise NetworkError(
            f"the verifier answered HTTP {res.status_code} without JSON", code="network"
        ) from None
    if res.status_code >= 400:
        code = body.get("code", "http") if isinstance(body, dict) else "http"
        detail = body.get("detail", "") if isinstance(body, dict) else ""
        raise InvalidInput(f"the verifier refused the request: {detail}", code=str(code))
    return body


@app.command()
@handle_errors
def request(
    purpose: Annotated[
        str | None, typer.Option(help="What you need, in plain words (picks a reviewed template).")
    ] = None,
    template: Annotated[str | None, typer.Option(help="A request template id (see GET /templates).")] = None,
    dcql: Annotated[Path | None, typer.Option(help="A DCQL query (JSON file, '-' for stdin).")] = None,
    presentation_definition: Annotated[
        Path | None, typer.Option("--pd", help="A DIF presentation definition (JSON file).")
    ] = None,
    relying_party: Annotated[str | None, typer.Option(help="Relying party id (default: the first).")] = None,
    url: Annotated[str, typer.Option(help="The verifier service.")] = "http://127.0.0.1:8800",
    wait: Annotated[bool, typer.Option(help="Wait for the wallet and print the result.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the wallet.")] = 300.0,
    qr: Annotated[bool, typer.Option(help="Show the QR code on stderr (a terminal only).")] = True,
    json_out: JsonOpt = False,
) -> None:
    """Ask a wallet for a presentation through a running ``verifier serve``.

    Prints the openid4vp:// link (and a QR code on a terminal), waits for the wallet's answer and
    prints the verdict; exit code 0 when accepted, 1 when rejected. The service's API key, if
    it has one, is read from DIDKIT_VERIFIER_API_KEY.

    Example: ``verifier request --purpose "Has the applicant graduated from university?"``
    """
    body: dict[str, Any] = {}
    if purpose is not None:
        body["purpose"] = purpose
    if template is not None:
        body["template"] = template
    if dcql is not None:
        body["dcql_query"] = read_json_file(dcql, what="DCQL query")
    if presentation_definition is not None:
        body["presentation_definition"] = read_json_file(
            presentation_definition, what="presentation definition"
        )
    if len(body) != 1:
        raise typer.BadParameter("give exactly one of --purpose, --template, --dcql, --pd")
    if relying_party is not None:
        body["relying_party"] = relying_party
    base = url.rstrip("/")
    created = _call("POST", f"{base}/oid4vp/requests", json=body)
    link = created["authorization_request"]
    if not json_out:
        if qr and err_console.is_terminal:
            import segno

            segno.make(link, error="m").terminal(out=sys.stderr, compact=True)
        err_console.print(f"Waiting for a wallet; page: {created.get('page_uri', '')}", highlight=False)
        out_console.print(link, highlight=False, soft_wrap=True)
    result: dict[str, Any] | None = None
    if wait:
        deadline = time.monotonic() + timeout
        while True:
            result = _call("GET", created["status_uri"])
            if result["status"] not in ("pending", "processing"):
                break
            if time.monotonic() > deadline:
                raise NetworkError("no wallet answered in time", code="request.timeout")
            time.sleep(0.3)
    if json_out:
        print_json({"request": created, "result": result})
    elif result is not None:
        verdict = result.get("verdict") or result["status"]
        out_console.print(f"verdict: {verdict}", highlight=False)
        for d in result.get("disclosed_claims", []):
            out_console.print(
                f"  {d['pointer']} = {json.dumps(d['value'], ensure_ascii=False)}", highlight=False
            )
        for sig in result.get("risk_signals", []):
            out_console.print(f"  risk {sig['severity']} {sig['code']}: {sig['message']}", highlight=False)
        if result.get("error"):
            out_console.print(
                f"  reason: {result['error']['code']}: {result['error']['message']}", highlight=False
            )
    if result is not None and result.get("verdict") != "accepted":
        code = (result.get("error") or {}).get("code") or f"transaction.{result['status']}"
        raise VerificationError("the presentation was not accepted", code=str(code))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
