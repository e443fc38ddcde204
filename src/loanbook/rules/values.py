"""Immutable values that are quick to make (issue 10).

The core's values are frozen dataclasses. A frozen dataclass's generated ``__init__``
sets each field through ``object.__setattr__`` (its own ``__setattr__`` refuses): a
global lookup, an attribute lookup and a call per field, about 5 µs for a 22-field
``LoanPosition`` on a slow machine against 0.6 µs unfrozen. A move or a replay makes
thousands of them. ``quick_init`` gives such a class an ``__init__`` that sets each slot
through the slot's own descriptor, bound once: the same fields, defaults and order, the
value as frozen as before (setting an attribute still raises), in about 2 µs.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import TypeVar

T = TypeVar("T", bound=type)


def quick_init(cls: T) -> T:
    """Put it above ``@dataclass(frozen=True, slots=True)``. Only for what the
    generated ``__init__`` does plainly: fields in order with plain defaults; a class
    with a default factory, keyword-only or non-init fields, or ``__post_init__`` is
    refused when it is defined, not made wrongly."""
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"quick_init is for frozen dataclasses with slots, not {cls.__qualname__}")
    if hasattr(cls, "__post_init__") or len(fields(cls)) != len(cls.__dataclass_fields__):
        raise TypeError(f"{cls.__qualname__}: __post_init__ or init-only variables; keep the generated __init__")
    names, params_text, values = [], [], {}
    for field in fields(cls):
        if not field.init or field.kw_only or field.default_factory is not MISSING:
            raise TypeError(f"{cls.__qualname__}.{field.name}: only plain fields take quick_init")
        names.append(field.name)
        values[f"_set_{field.name}"] = getattr(cls, field.name).__set__  # the slot's descriptor
        if field.default is MISSING:
            params_text.append(field.name)
        else:
            values[f"_default_{field.name}"] = field.default
            params_text.append(f"{field.name}=_default_{field.name}")
    body = "".join(f"        _set_{name}(self, {name})\n" for name in names) or "        pass\n"
    source = (f"def make({', '.join(values)}):\n"
              f"    def __init__(self, {', '.join(params_text)}):\n{body}"
              f"    return __init__\n")
    namespace: dict[str, object] = {}
    exec(source, {}, namespace)  # noqa: S102 - the source is made above from field names only
    init = namespace["make"](**values)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls
