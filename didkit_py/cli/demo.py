"""``didkit demo``: the whole story on embedded defaults, offline, in a few seconds."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from ..demo import CHAPTERS, DemoContext, Narrator, run_demo, select_chapters
from ..did import default_resolver
from ..errors import DidkitError
from ..paths import data_dir
from ._common import JsonOpt, err_console, exit_code_for, handle_errors, print_json

__all__ = ["demo"]


@handle_errors
def demo(
    chapter: Annotated[
        list[str] | None,
        typer.Option("--chapter", "-c", help="Run only this chapter (repeatable); see --list."),
    ] = None,
    list_chapters: Annotated[bool, typer.Option("--list", help="List the chapters and exit.")] = False,
    lexical: Annotated[
        bool,
        typer.Option("--lexical", help="Rank plain-language requests with BM25 (no MiniLM model load)."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Tell the toolkit's story: keys, DIDs, a credential issued, presented, verified, forgeries rejected."""
    if list_chapters:
        if json_out:
            print_json([{"slug": c.slug, "title": c.title} for c in CHAPTERS])
        else:
            for c in CHAPTERS:
                typer.echo(f"{c.slug:<22} {c.title}")
        return
    chapters = select_chapters(chapter or ())
    narrator = Narrator(Console(soft_wrap=False, emoji=False, highlight=False), collect=json_out)
    # did:key / did:jwk / did:web only: the story runs offline. Chapters that need another
    # method (did:ethr on the embedded chain) build their own resolver on loopback.
    ctx = DemoContext(
        now=datetime.now(UTC), resolver=default_resolver(), data_dir=data_dir() / "demo", lexical=lexical
    )
    started = time.monotonic()
    try:
        asyncio.run(run_demo(ctx, narrator, chapters))
    except DidkitError as exc:
        if json_out:
            out = narrator.transcript(ok=False)
            out["error"] = exc.to_dict()
            print_json(out)
            raise typer.Exit(exit_code_for(exc)) from None
        raise
    if json_out:
        print_json(narrator.transcript(ok=True))
        return
    elapsed = time.monotonic() - started
    err_console.print(
        Text(
            f"\n{len(chapters)} chapter(s) told in {elapsed:.1f} s, no network used (loopback only).",
            style="dim",
        )
    )
