"""``didkit demo``: the toolkit's story, told in chapters on embedded defaults, offline.

Each chapter is one module exposing ``CHAPTER`` (a :class:`Chapter`: slug, title, and an async
``run(ctx, narrator)``); :data:`CHAPTERS` lists them in story order. Later parts of the project
add their chapter here with one line (selective disclosure, did:ethr on the registry chain,
issuer/verifier services, ...). Chapters share a :class:`DemoContext` (clock, resolver,
randomness, and ``state`` that earlier chapters fill) and tell the story through a
:class:`Narrator`, which prints with rich or records a JSON transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..errors import InvalidInput
from . import ch01_credentials, ch02_selective_disclosure, ch03_registry_chain, ch04_services
from ._core import Chapter, DemoContext, Narrator, shorten

__all__ = ["CHAPTERS", "Chapter", "DemoContext", "Narrator", "run_demo", "select_chapters", "shorten"]

#: The story, in order.
CHAPTERS: Final[tuple[Chapter, ...]] = (
    ch01_credentials.CHAPTER,
    ch02_selective_disclosure.CHAPTER,
    ch03_registry_chain.CHAPTER,
    ch04_services.CHAPTER,
)


def select_chapters(slugs: Sequence[str] = (), chapters: Sequence[Chapter] = CHAPTERS) -> tuple[Chapter, ...]:
    """The chapters named by ``slugs`` (all when empty), in story order."""
    if not slugs:
        return tuple(chapters)
    known = {c.slug for c in chapters}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise InvalidInput(
            f"unknown chapter {unknown[0]!r} (chapters: {', '.join(c.slug for c in chapters)})",
            code="demo.chapter",
        )
    return tuple(c for c in chapters if c.slug in slugs)


async def run_demo(ctx: DemoContext, narrator: Narrator, chapters: Sequence[Chapter] = CHAPTERS) -> None:
    """Tell ``chapters`` in order; the first unexpected outcome raises and ends the story."""
    for number, chapter in enumerate(chapters, start=1):
        narrator.chapter(number, chapter.slug, chapter.title)
        await chapter.run(ctx, narrator)
