"""Products are configuration, not code (R1).

A :class:`Product` holds every parameter the rules read. The two presets reproduce the
article's terms; a lender's own products come from a TOML or YAML file through
:func:`loanbook.config.products.load_product_file`, which validates every field with a
message that names the product, the field and the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from loanbook.errors import BadInput
from loanbook.money import AMOUNT_MAX, FEN

TERMS_MAX = 120  # ten years of monthly periods: the longest plan loanbook will draw up
GRACE_DAYS_MAX = 30
DUE_DAY_MAX = 28  # every month has a 28th: no due date ever falls off a month (R2)
DAILY_RATE_MAX = Decimal("0.01")  # 365% a year: anything above is a typo, not a product
PENALTY_MULTIPLIER_MAX = Decimal("5")
FEE_RATE_MAX = Decimal("0.20")
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")


class RepaymentMethod(str, Enum):
    """How a plan spreads principal and interest (R4, R12)."""

    INTEREST_FIRST = "interest_first"  # 按月付息,到期还本: interest monthly, principal at maturity
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    daily_rate: Decimal
    penalty_multiplier: Decimal
    due_day: int
    grace_days: int
    min_terms: int
    max_terms: int
    repayment_method: RepaymentMethod
    early_settlement_fee_rate: Decimal
    settlement_after_days: int = 1  # R8: early settlement from the day after disbursement
    min_principal: Decimal = Decimal("100.00")
    max_principal: Decimal = Decimal("200000.00")
    annual_rate_cap: Decimal = Decimal("0.24")  # R10: flag products above this IRR

    @property
    def penalty_daily_rate(self) -> Decimal:
        """R7: the normal daily rate times the penalty multiplier (0.075% for the presets)."""
        return self.daily_rate * self.penalty_multiplier

    def check_terms(self, terms: int) -> None:
        if isinstance(terms, bool) or not isinstance(terms, int):
            raise BadInput(f"terms must be a whole number of months, got {terms!r}")
        if not self.min_terms <= terms <= self.max_terms:
            raise BadInput(
                f"terms {terms} is outside product {self.code}'s range "
                f"{self.min_terms} to {self.max_terms} monthly periods"
            )

    def check_principal(self, principal: Decimal) -> None:
        if not self.min_principal <= principal <= self.max_principal:
            raise BadInput(
                f"principal {principal} is outside product {self.code}'s range "
                f"{self.min_principal} to {self.max_principal}"
            )


def _preset(code: str, name: str, fee_rate: str) -> Product:
    return Product(
        code=code,
        name=name,
        daily_rate=Decimal("0.0005"),
        penalty_multiplier=Decimal("1.5"),
        due_day=10,
        grace_days=3,
        min_terms=1,
        max_terms=6,
        repayment_method=RepaymentMethod.INTEREST_FIRST,
        early_settlement_fee_rate=Decimal(fee_rate),
    )


FLEX6 = _preset("FLEX6", "随借随还 FLEX: settle early at any time, no fee", "0")
TERM6 = _preset("TERM6", "按期还款 TERM: settle early with a 3% fee on prepaid principal", "0.03")
PRESETS: dict[str, Product] = {p.code: p for p in (FLEX6, TERM6)}


def validate_product(product: Product) -> Product:
    """Check every parameter of R1; raise :class:`BadInput` naming the first bad one."""
    code = product.code
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise BadInput(
            f"product code {code!r} must be 1-32 capital letters, digits, '-' or '_', "
            "starting with a letter"
        )

    def bad(field: str, value: object, why: str) -> BadInput:
        return BadInput(f"product {code}: {field} {value!r} {why}")

    if not 0 <= product.daily_rate <= DAILY_RATE_MAX:
        raise bad("daily_rate", str(product.daily_rate), f"must be from 0 to {DAILY_RATE_MAX}")
    if not 1 <= product.penalty_multiplier <= PENALTY_MULTIPLIER_MAX:
        raise bad(
            "penalty_multiplier",
            str(product.penalty_multiplier),
            f"must be from 1 to {PENALTY_MULTIPLIER_MAX} (penalty is never below the normal rate)",
        )
    if not 1 <= product.due_day <= DUE_DAY_MAX:
        raise bad("due_day", product.due_day, f"must be a day of the month from 1 to {DUE_DAY_MAX}")
    if not 0 <= product.grace_days <= GRACE_DAYS_MAX:
        raise bad("grace_days", product.grace_days, f"must be from 0 to {GRACE_DAYS_MAX}")
    if not 1 <= product.min_terms <= TERMS_MAX:
        raise bad("min_terms", product.min_terms, f"must be from 1 to {TERMS_MAX}")
    if not product.min_terms <= product.max_terms <= TERMS_MAX:
        raise bad("max_terms", product.max_terms, f"must be from min_terms ({product.min_terms}) to {TERMS_MAX}")
    if not 0 <= product.early_settlement_fee_rate <= FEE_RATE_MAX:
        raise bad(
            "early_settlement_fee_rate",
            str(product.early_settlement_fee_rate),
            f"must be from 0 to {FEE_RATE_MAX}",
        )
    if not 1 <= product.settlement_after_days <= 31:
        raise bad(
            "settlement_after_days",
            product.settlement_after_days,
            "must be from 1 to 31 (R8: never on the disbursement day itself)",
        )
    for field in ("min_principal", "max_principal"):
        value = getattr(product, field)
        if value <= 0 or value > AMOUNT_MAX or value != value.quantize(FEN):
            raise bad(field, str(value), f"must be more than 0 and at most {AMOUNT_MAX}, in fen")
    if product.min_principal > product.max_principal:
        raise bad("min_principal", str(product.min_principal), f"is above max_principal {product.max_principal}")
    if not 0 < product.annual_rate_cap <= 1:
        raise bad("annual_rate_cap", str(product.annual_rate_cap), "must be more than 0 and at most 1 (100%)")
    return product
