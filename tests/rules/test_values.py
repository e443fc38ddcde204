"""quick_init (rules/values.py): the core's values made faster, the same values (issue 10)."""

from __future__ import annotations

import inspect
import pickle
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields, replace
from decimal import Decimal

import pytest

from loanbook.money import ZERO
from loanbook.rules import bill, book, bureau_status, forward, position, replay, schedule
from loanbook.rules.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    amount: Decimal
    note: str | None = None
    paid: Decimal = ZERO


def test_it_makes_the_same_value_as_the_generated_init_and_keeps_it_frozen():
    made = Figure("interest", Decimal("12.34"))
    assert (made.name, made.amount, made.note, made.paid) == ("interest", Decimal("12.34"), None, ZERO)
    assert Figure(amount=Decimal("1"), name="fee", paid=Decimal("1")) == Figure("fee", Decimal("1"), None, Decimal("1"))
    assert replace(made, note="R7") == Figure("interest", Decimal("12.34"), "R7")
    assert pickle.loads(pickle.dumps(made)) == made
    assert hash(made) == hash(Figure("interest", Decimal("12.34")))
    with pytest.raises(FrozenInstanceError):
        made.amount = ZERO  # type: ignore[misc]
    with pytest.raises(TypeError):
        Figure("interest")  # type: ignore[call-arg]  # a field without a default is still required
    with pytest.raises(TypeError):
        Figure("interest", ZERO, colour="red")  # type: ignore[call-arg]


def _refused(cls_factory) -> None:
    with pytest.raises(TypeError):
        cls_factory()


def test_what_it_cannot_make_plainly_is_refused_when_the_class_is_defined():
    def unfrozen():
        @quick_init
        @dataclass(slots=True)
        class Unfrozen:
            amount: Decimal

    def without_slots():
        @quick_init
        @dataclass(frozen=True)
        class WithoutSlots:
            amount: Decimal

    def with_factory():
        @quick_init
        @dataclass(frozen=True, slots=True)
        class WithFactory:
            lines: list = field(default_factory=list)

    def with_post_init():
        @quick_init
        @dataclass(frozen=True, slots=True)
        class WithPostInit:
            amount: Decimal

            def __post_init__(self) -> None:
                pass

    def keyword_only():
        @quick_init
        @dataclass(frozen=True, slots=True, kw_only=True)
        class KeywordOnly:
            amount: Decimal

    for factory in (unfrozen, without_slots, with_factory, with_post_init, keyword_only):
        _refused(factory)


CORE_VALUES = [value for module in (bill, book, bureau_status, forward, position, replay, schedule)
               for value in vars(module).values()
               if isinstance(value, type) and value.__module__ == module.__name__ and "__dataclass_fields__" in vars(value)]


@pytest.mark.parametrize("value", CORE_VALUES, ids=lambda value: value.__qualname__)
def test_every_core_value_takes_the_arguments_its_fields_say(value):
    """The parameters, their order and defaults are the fields' (as the generated
    ``__init__`` would take them), and the value stays frozen."""
    expected = [(f.name, inspect.Parameter.empty if f.default is MISSING else f.default)
                for f in fields(value) if f.init]
    _self, *parameters = inspect.signature(value.__init__).parameters.values()
    assert [(p.name, p.default) for p in parameters] == expected
    assert value.__dataclass_params__.frozen
