"""Creating or upgrading a database and setting its first business date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from loanbook.errors import BadInput
from loanbook.rules.products import PRESETS, Product
from loanbook.store import codec
from loanbook.store.database import is_initialised, upgrade
from loanbook.store.unit_of_work import UnitOfWork


def init_database(engine: Engine, *, business_date: date | None, products: tuple[Product, ...] = ()) -> date:
    """Migrate to the newest schema, add the presets and ``products``, and set the first
    business date. A database already in use keeps its business date: days move on only
    by close of business. Returns the business date."""
    fresh = not is_initialised(engine)
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        for product in (*PRESETS.values(), *products):
            stored = uow.products.get(product.code)
            if stored is None:
                uow.products.add(product)
            elif codec.product_to_json(stored) != codec.product_to_json(product):
                raise BadInput(
                    f"product {product.code} exists with other parameters and loans may use it; "
                    "give the changed product a new code"
                )
        current = None if fresh else uow.business_dates.current()
        if current is None:
            if business_date is None:
                raise BadInput("a new database needs its first business date: --business-date YYYY-MM-DD")
            uow.business_dates.set(business_date)
            current = business_date
        elif business_date is not None and business_date != current:
            raise BadInput(
                f"the business date is already {current}; days move on only by close of business (`loanbook cob run`)"
            )
        uow.commit()
        return current
