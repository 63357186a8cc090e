"""``didkit``: the umbrella command. Each command group lives in its own module."""

from __future__ import annotations

import importlib
import logging

import typer
import typer._click as click
from typer.core import TyperGroup

from .. import __version__

#: Command name → (module, attribute). A module loads only when its command runs (or for
#: ``--help``), so ``didkit key …`` does not pay for web3, torch or the demo's imports.
#: The attribute is a ``typer.Typer`` group or a plain command function.
_COMMANDS: dict[str, tuple[str, str]] = {
    "chain": ("didkit_py.cli.chain", "app"),
    "demo": ("didkit_py.cli.demo", "demo"),
    "did": ("didkit_py.cli.did_ethr", "app"),  # the `did` group, with the did:ethr commands added
    "key": ("didkit_py.cli.key", "app"),
    "match": ("didkit_py.cli.match", "match"),
    "status": ("didkit_py.cli.status", "app"),
    "vc": ("didkit_py.cli.vc", "app"),
    "vp": ("didkit_py.cli.vp", "app"),
}


def _load_command(name: str) -> click.Command:
    module_name, attr = _COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attr)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        wrapper = typer.Typer(add_completion=False)
        wrapper.command(name)(target)
        command = typer.main.get_command(wrapper)
    command.name = name
    return command


class _LazyGroup(TyperGroup):
    """A root group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _COMMANDS:
            command = _load_command(cmd_name)
            self.add_command(command, cmd_name)
        return command


app = typer.Typer(
    name="didkit",
    cls=_LazyGroup,
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
