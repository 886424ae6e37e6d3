"""A scenario is a list of steps: who does what, what they then see, and what others get.

A `Party` is one person on one channel's harness (Telegram over the fake Bot API, the WeChat
Official Account over signed callbacks, later WeCom): the same step reads the same everywhere,
a tap being an inline button on Telegram and a numbered option on WeChat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Party(Protocol):
    """One person in a dialogue on some channel."""

    async def start(self) -> None: ...
    async def tap(self, label: str) -> None: ...
    async def say(self, text: str) -> None: ...
    async def photo(self) -> None: ...
    async def location(self, latitude: float, longitude: float) -> None: ...
    def mark(self) -> int: ...
    async def sees(self, text: str, after: int) -> str: ...


@dataclass(frozen=True)
class Step:
    who: str  # a role in the scenario: "resident", "worker"
    does: str  # start | tap | say | photo | location
    what: str = ""  # the label tapped, the text said
    sees: str | None = None  # what they then see, in a reply to them
    others: tuple[tuple[str, str], ...] = ()  # (who, text): what others then get
    at: tuple[float, float] = (0.0, 0.0)  # the location sent


def start(who: str, sees: str) -> Step:
    return Step(who, "start", sees=sees)


def tap(who: str, label: str, sees: str | None = None, **others: str) -> Step:
    return Step(who, "tap", label, sees, tuple(others.items()))


def say(who: str, text: str, sees: str | None = None, **others: str) -> Step:
    return Step(who, "say", text, sees, tuple(others.items()))


def photo(who: str, sees: str | None = None) -> Step:
    return Step(who, "photo", sees=sees)


def location(who: str, latitude: float, longitude: float, sees: str | None = None) -> Step:
    return Step(who, "location", sees=sees, at=(latitude, longitude))


async def play(steps: list[Step], parties: dict[str, Party]) -> None:
    """Runs the steps in order; each one's expectations are met before the next begins."""
    for number, step in enumerate(steps, start=1):
        marks = {name: party.mark() for name, party in parties.items()}
        actor = parties[step.who]
        try:
            if step.does == "start":
                await actor.start()
            elif step.does == "tap":
                await actor.tap(step.what)
            elif step.does == "say":
                await actor.say(step.what)
            elif step.does == "photo":
                await actor.photo()
            elif step.does == "location":
                await actor.location(*step.at)
            else:
                raise AssertionError(f"unknown action {step.does!r}")
            if step.sees is not None:
                await actor.sees(step.sees, marks[step.who])
            for who, text in step.others:
                await parties[who].sees(text, marks[who])
        except AssertionError as exc:
            raise AssertionError(f"step {number} {step}: {exc}") from exc
