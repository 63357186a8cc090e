"""``verifier`` — run the verifier service (``verifier serve``) or create a request from a terminal.

Exit codes as in CONVENTIONS.md: 0 ok, 2 usage, 3 input/IO/network.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Annotated

import typer

from didkit_py.cli._common import err_console, handle_errors
from didkit_py.errors import InvalidInput

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
