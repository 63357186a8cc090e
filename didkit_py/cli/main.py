"""``didkit``: the umbrella command. Each command group lives in its own module."""

from __future__ import annotations

import logging

import typer

from .. import __version__

app = typer.Typer(
    name="didkit",
    help="Decentralized identity toolkit: keys, DIDs, verifiable credentials, selective disclosure.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"didkit-py {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs on stderr."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = {"debug": debug}
    if debug:
        logging.basicConfig(level=logging.DEBUG)


# --- command groups (one module each; keep this list sorted) -------------------------------
# (each group module defines `app: typer.Typer`, or a single command function)
from .chain import app as chain_app; app.add_typer(chain_app, name="chain")  # noqa: E402, E702, I001  # fmt: skip
from .demo import demo as demo_cmd; app.command("demo")(demo_cmd)  # noqa: E402, E702, I001  # fmt: skip
from .did import app as did_app; app.add_typer(did_app, name="did")  # noqa: E402, E702, I001  # fmt: skip
from . import did_ethr as _did_ethr; del _did_ethr  # noqa: E402, E702, I001  # fmt: skip
from .key import app as key_app; app.add_typer(key_app, name="key")  # noqa: E402, E702, I001  # fmt: skip
from .match import match as match_cmd; app.command("match")(match_cmd)  # noqa: E402, E702, I001  # fmt: skip
from .status import app as status_app; app.add_typer(status_app, name="status")  # noqa: E402, E702, I001  # fmt: skip
from .vc import app as vc_app; app.add_typer(vc_app, name="vc")  # noqa: E402, E702, I001  # fmt: skip
from .vp import app as vp_app; app.add_typer(vp_app, name="vp")  # noqa: E402, E702, I001  # fmt: skip


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
