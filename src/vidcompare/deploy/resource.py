"""One cloud resource, declared: how to check, create, update and delete it.

A deploy walks an ordered list of these (:mod:`vidcompare.deploy.resources`); a
teardown walks the same list backwards (:mod:`vidcompare.deploy.script`). Commands are
shell text made with :func:`sh` or :func:`gcloud`, which quote every argument except
those naming a ``$VARIABLE`` that a :class:`Lookup` has read.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass


def sh(*args: str) -> str:
    """A shell command line; arguments naming ``$VARIABLES`` expand, all else is quoted."""
    return " ".join(f'"{a}"' if "$" in a else shlex.quote(a) for a in args)


def gcloud(command: str, *args: str) -> str:
    """``gcloud`` with a command (plain words: ``"pubsub topics create"``) and arguments."""
    return sh("gcloud", *command.split(), *args)


@dataclass(frozen=True)
class Lookup:
    """A value only known once something is deployed, read into a shell variable."""

    variable: str
    command: str  # prints the value

    def render(self) -> str:
        return f"{self.variable}=$({self.command})"


@dataclass(frozen=True)
class Resource:
    """A thing in the cloud and the gcloud commands that manage it.

    ``check`` exits 0 when the resource exists. A deploy runs ``create`` when it fails
    and ``update`` when it passes (nothing, if ``update`` is empty: an existing one is
    left as it is); a resource without a check is one whose ``create`` is harmless to
    repeat (an IAM binding, a setting), and runs every time. A teardown runs ``delete``
    when the check passes; a resource with nothing to delete goes with ``part_of`` (a
    binding with what it is on, an index with its database), or is left in place.
    """

    what: str  # the heading a person reads in the dry run
    check: str | None = None
    create: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    part_of: Resource | None = None
    holds_data: bool = False  # deleted only when asked to (``--delete-data``)
    reads: tuple[Lookup, ...] = ()  # read before any of its commands run

    @property
    def upserts(self) -> bool:
        """Whether a deploy runs ``create`` without a check: it is harmless to repeat, or
        it updates as well (``gcloud functions deploy``)."""
        return self.check is None or self.create == self.update


def named(what: str, group: str, name: str, *scope: str, create: Sequence[str] = ()) -> Resource:
    """What gcloud manages as ``GROUP describe|create|delete NAME SCOPE…``."""
    return Resource(
        what=what,
        check=gcloud(f"{group} describe", name, *scope),
        create=(gcloud(f"{group} create", name, *create, *scope),),
        delete=(gcloud(f"{group} delete", name, *scope, "--quiet"),),
    )
