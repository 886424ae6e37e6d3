"""The command registry: each flow module declares its commands (who may use them, a help
line, the handler); dispatch, refusal by role, /help and the per-person command menu all come
from these declarations.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from bot.domain.models import GRID_ROLES, OFFICE_ROLES, Role

Handler = Callable[..., Awaitable[None]]

EVERYONE: frozenset[Role] = frozenset(Role)
OFFICE: frozenset[Role] = frozenset(OFFICE_ROLES)
GRID: frozenset[Role] = frozenset(GRID_ROLES)
SUPERVISORS: frozenset[Role] = frozenset({Role.INSTRUCTOR, Role.CHIEF, *OFFICE_ROLES})
WORKERS: frozenset[Role] = GRID | OFFICE  # people who work tickets
RESIDENTS: frozenset[Role] = frozenset({Role.RESIDENT})


@dataclass(frozen=True)
class Command:
    """One slash command: `/name args`."""

    name: str
    run: Handler  # (ctx) or (ctx, args)
    roles: frozenset[Role] = EVERYONE
    help: str = ""  # catalog key of the one-line help; defaults to `command.<name>`
    ends_flow: bool = False  # leaving a flow in progress first (menus, lists)
    before_registration: bool = False  # works before onboarding is finished
    in_menu: bool = True  # offered in Telegram's command menu and /help
    explain: dict[Role, str] = field(default_factory=dict)  # why refused, for some roles

    @property
    def help_key(self) -> str:
        return self.help or f"command.{self.name}"

    @cached_property
    def takes_args(self) -> bool:
        return len(inspect.signature(self.run).parameters) > 1

    def allows(self, role: Role) -> bool:
        return role in self.roles


class Registry:
    """Every module's COMMANDS, by name; a name declared twice is a programming error."""

    def __init__(self, modules: Iterable[object]) -> None:
        self.commands: dict[str, Command] = {}
        for module in modules:
            for command in getattr(module, "COMMANDS", ()):
                if command.name in self.commands:
                    raise ValueError(f"/{command.name} is declared twice")
                self.commands[command.name] = command

    def get(self, name: str) -> Command | None:
        return self.commands.get(name)

    def for_role(self, role: Role) -> list[Command]:
        """The commands a role may use, in declaration order, as /help and the menu show them."""
        return [c for c in self.commands.values() if c.in_menu and c.allows(role)]
