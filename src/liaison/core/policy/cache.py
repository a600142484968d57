"""The policy's one cache of answers: each question about a person asked once per request.

A request (DoorMiddleware) or a block of work (`answers_kept()`: a task, a page many apps feed)
opens a store; every answer of the policy (a person's roles and scopes, "is this family on their
caseload", "does this person see the family in full" ...) is kept in it until the store closes, so
a later change of caseload or site is seen by the next request at once. Outside a store nothing is
kept: each question goes to the database.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar(
    "liaison_policy_answers", default=None
)


@contextmanager
def answers_kept() -> Iterator[None]:
    """Within this block each question of the policy goes to the database once (nested blocks
    share the outer store)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def kept[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `key` from the open store, computed once; computed every time without one."""
    answers = _answers.get()
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]  # type: ignore[no-any-return]


def keep(key: Hashable, answer: object) -> None:
    """Put an answer learnt on the way (a fetch that asked it in the same query) in the open store,
    so that the question, when asked, costs nothing; without a store it is not kept."""
    answers = _answers.get()
    if answers is not None:
        answers[key] = answer


def forget(user: object | None = None) -> None:
    """Drop every kept answer (after a membership, assignment or caseload changes mid-request)."""
    answers = _answers.get()
    if answers is not None:
        answers.clear()
