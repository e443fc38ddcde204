"""/admin: the portfolio, as charts drawn on the server (web/charts.py) and the same
figures as tables: loans by status (R5), open loans by R15 DPD bucket and their trend over
the business dates (portfolio snapshots written by close of business), and the ledger's
balances by account (R14)."""

from __future__ import annotations


from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from loanbook.money import format_amount, from_fen
from loanbook.service.back_office import PortfolioPage, portfolio_page
from loanbook.web.admin.common import StaffSession, admin_router, page, reading
from loanbook.web.charts import Bar, Series, bar_chart, hbar_chart, line_chart

routes = admin_router()


def charts(data: PortfolioPage) -> dict[str, Markup]:
    """The page's four charts; SVG made by our own functions from our figures, every
    label escaped there, so it is safe to put in the page as it is."""
    statuses = [Bar(row[0], row[1]) for row in data.by_status.rows if row[0] != "total"]
    buckets = [Bar(row[0], row[1], f"{row[1]} ({row[2]})") for row in data.dpd.rows]
    trend = data.trend
    series = [Series(label, counts) for label, counts in zip(trend.buckets, trend.loans) if any(counts)]
    balances = [Bar(account, from_fen(fen), format_amount(from_fen(fen)))
                for account, fen in data.ledger_balances_fen.items() if fen]
    return {
        "status": Markup(bar_chart(f"Loans by status on {data.business_date}", statuses)),
        "dpd": Markup(bar_chart(f"Open loans by days past due on {data.business_date}", buckets)),
        "trend": Markup(line_chart("Open loans by DPD bucket, by business date",
                                   [d.isoformat() for d in trend.dates], series)),
        "ledger": Markup(hbar_chart("Ledger balances by account (yuan, normal side)", balances)),
    }


@routes.get("")
def portfolio(request: Request, session: StaffSession) -> Response:
    with reading(request) as uow:
        data = portfolio_page(uow)
    balances = [(account, format_amount(from_fen(fen))) for account, fen in data.ledger_balances_fen.items()]
    return page(request, session, "admin/portfolio.html", "/admin", {
        "data": data, "charts": charts(data), "balances": balances,
        "debits": format_amount(from_fen(data.debits_fen)), "credits": format_amount(from_fen(data.credits_fen)),
        "balanced": data.debits_fen == data.credits_fen,
    })
