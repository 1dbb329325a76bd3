"""Refusals. `str(error)` is a complete sentence for the person who asked."""

from __future__ import annotations

from mentoring.model import PairChoice


class MentoringError(Exception):
    """A request the rules refuse; nothing was changed."""


class InvalidInput(MentoringError):
    """The request could not be understood; the message says what to type instead."""


class FieldError(InvalidInput):
    """A refusal about one field of a form, shown next to that field (`field` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # kept and replayed by durable work
        return (type(self), (self.field, str(self)))


class NotAllowed(MentoringError):
    """The person may not do this (not a member of the pair, not an admin, pair ended)."""


class NotFound(MentoringError):
    """The thing asked for does not exist (or is no longer there)."""


class NoPair(MentoringError):
    """The person has no pair that fits the request."""


class AmbiguousPair(MentoringError):
    """The person is in several pairs and the request does not say which one."""

    def __init__(self, choices: tuple[PairChoice, ...]) -> None:
        people = " or ".join(
            f"you mentor <@{choice.other_user}>"
            if choice.role == "mentor"
            else f"<@{choice.other_user}> mentors you"
            for choice in choices
        )
        super().__init__(
            f"You're in {len(choices)} mentorships ({people}); say which: end the command "
            "with `to @name`, or type it in the pair's shared channel."
        )
        self.choices = choices

    def __reduce__(self) -> tuple[type, tuple[tuple[PairChoice, ...]]]:
        return (type(self), (self.choices,))
