"""A lender's own products from a TOML or YAML file (R1).

A file holds one product (a mapping with ``code``) or several (``products: [...]``).
A product may start from a preset with ``base = "FLEX6"`` and change only what differs;
without a base every required field must be given. Each field is checked and a bad one
is named with its product and value; unknown fields are refused so a typo never passes
silently.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from pathlib import Path

from loanbook.config.exact_yaml import key_names, read_config_file
from loanbook.errors import BadInput
from loanbook.money import parse_amount
from loanbook.rules.products import PRESETS, Product, RepaymentMethod, validate_product

_DECIMAL_FIELDS = {
    "daily_rate",
    "penalty_multiplier",
    "early_settlement_fee_rate",
    "annual_rate_cap",
}
_AMOUNT_FIELDS = {"min_principal", "max_principal"}  # money: the one grammar of money.parse_amount
_INT_FIELDS = {"due_day", "grace_days", "min_terms", "max_terms", "settlement_after_days"}
_FIELDS = {f.name for f in dataclasses.fields(Product)}
_REQUIRED = {
    "code",
    "daily_rate",
    "penalty_multiplier",
    "due_day",
    "grace_days",
    "min_terms",
    "max_terms",
    "repayment_method",
    "early_settlement_fee_rate",
}


def _decimal(where: str, field: str, value: object) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise BadInput(f"{where}: {field} {value!r} must be a decimal number")
    try:
        result = Decimal(str(value).strip()) if isinstance(value, (str, int, Decimal)) else None
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite():
        raise BadInput(f"{where}: {field} {value!r} must be a decimal number like \"0.0005\"")
    return result


def _integer(where: str, field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{where}: {field} {value!r} must be a whole number")
    return value


def product_from_mapping(raw: object, *, source: str) -> Product:
    """Build and validate one product from a mapping read from a file."""
    if not isinstance(raw, dict):
        raise BadInput(f"{source}: a product must be a mapping of fields, got {type(raw).__name__}")
    code = raw.get("code")
    if code is None:
        raise BadInput(f"{source}: every product needs a code, like code = \"FLEX12\"")
    if not isinstance(code, str):
        raise BadInput(f"{source}: product code {code!r} must be text, like code = \"FLEX12\"")
    unknown = set(raw) - _FIELDS - {"base", "terms"}
    if unknown:
        raise BadInput(
            f"{source}: product {code}: unknown field(s) {key_names(unknown)}; "
            f"known fields: base, terms, {', '.join(sorted(_FIELDS))}"
        )
    fields: dict[str, object] = {}
    base = raw.get("base")
    if base is not None:
        if not isinstance(base, str) or base not in PRESETS:
            raise BadInput(f"{source}: product {code}: base {base!r} is not a preset ({', '.join(PRESETS)})")
        fields.update(dataclasses.asdict(PRESETS[base]))
        fields["name"] = ""
    if "terms" in raw:
        terms = raw["terms"]
        if not (isinstance(terms, list) and len(terms) == 2):
            raise BadInput(f"{source}: product {code}: terms must be [min, max], like [1, 6]")
        fields["min_terms"], fields["max_terms"] = terms
    fields.update({k: v for k, v in raw.items() if k not in ("base", "terms")})
    missing = sorted(_REQUIRED - set(fields))
    if missing:
        raise BadInput(f"{source}: product {code}: missing field(s) {', '.join(missing)}")
    for field in _DECIMAL_FIELDS & set(fields):
        fields[field] = _decimal(f"{source}: product {code}", field, fields[field])
    for field in _AMOUNT_FIELDS & set(fields):
        fields[field] = parse_amount(fields[field], what=f"{source}: product {code}: {field}")
    for field in _INT_FIELDS & set(fields):
        fields[field] = _integer(f"{source}: product {code}", field, fields[field])
    method = fields["repayment_method"]
    try:
        fields["repayment_method"] = RepaymentMethod(method)
    except ValueError:
        choices = ", ".join(m.value for m in RepaymentMethod)
        raise BadInput(f"{source}: product {code}: repayment_method {method!r} must be one of {choices}") from None
    name = fields.get("name") or code
    if not isinstance(name, str):
        raise BadInput(f"{source}: product {code}: name must be text")
    fields["name"] = name
    try:
        return validate_product(Product(**fields))  # type: ignore[arg-type]
    except BadInput as exc:
        raise BadInput(f"{source}: {exc}") from None


def products_from_document(document: object, *, source: str) -> tuple[Product, ...]:
    if isinstance(document, dict) and "products" in document:
        extra = set(document) - {"products"}
        if extra:
            raise BadInput(f"{source}: unknown top-level key(s) {key_names(extra)} beside 'products'")
        raws = document["products"]
        if not isinstance(raws, list) or not raws:
            raise BadInput(f"{source}: 'products' must be a non-empty list of products")
    elif isinstance(document, dict):
        raws = [document]
    else:
        raise BadInput(f"{source}: expected a product (a mapping with 'code') or 'products: [...]'")
    products = tuple(product_from_mapping(raw, source=source) for raw in raws)
    codes = [p.code for p in products]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise BadInput(f"{source}: product code(s) {', '.join(duplicated)} appear more than once")
    return products


def load_product_file(path: Path) -> tuple[Product, ...]:
    """Read, parse and validate a lender's product file."""
    return products_from_document(read_config_file(path), source=str(path))


def resolve_product(name: str, *, relative_to: Path | None = None) -> Product:
    """A preset code, or the path of a product file holding exactly one product."""
    if name in PRESETS:
        return PRESETS[name]
    path = Path(name)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.suffix.lower() not in (".toml", ".yaml", ".yml"):
        raise BadInput(f"unknown product {name!r}: use a preset ({', '.join(PRESETS)}) or a product file")
    products = load_product_file(path)
    if len(products) != 1:
        raise BadInput(f"{path}: holds {len(products)} products; name one file per product here")
    return products[0]
