"""Chinese by default, English by choice (a cookie set by /lang/{code}).

Texts of the pages live here, one key per phrase, in both languages; a key missing
from a language is a defect caught by tests/web/test_i18n.py, never shown as a key.
Messages of refusals come from loanbook.errors, as the API sends them (English).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
COOKIE = "loanbook_lang"

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "app_name": "loanbook 借款",
        "sign_in": "登录",
        "sign_out": "退出登录",
        "username": "用户名",
        "password": "密码",
        "signed_in_as": "已登录：{name}",
        "language": "English",
        "error": "出错了",
        "error_400": "请求有误",
        "error_401": "请先登录",
        "error_403": "无权访问",
        "error_404": "页面不存在",
        "error_409": "情况已变化，请重试",
        "error_422": "无法办理",
        "error_500": "系统错误",
        "error_503": "暂时无法服务",
        "back_home": "返回首页",
        "csrf_refused": "表单已过期或不是来自本站，未做任何更改。请刷新页面后重试。",
        "sign_in_refused": "用户名和密码不匹配，或该用户不能登录。",
        "staff_home": "后台",
        "my_loans": "我的借款",
        "my_coupons": "我的优惠券",
        "my_requests": "展期与协商还款",
        "my_bureau": "征信状态",
        "business_date": "营业日",
        "credit_available": "可用额度",
        "credit_balance": "账户余额",
        "bill_for": "{day} 账单",
        "loan": "借款",
        "principal": "本金",
        "interest": "利息",
        "penalty": "罚息",
        "fee": "手续费",
        "total": "合计",
        "status_ACTIVE": "正常",
        "status_GRACE": "宽限期",
        "status_OVERDUE": "逾期",
        "status_SETTLED": "已结清",
        "dpd": "逾期 {days} 天",
        "principal_outstanding": "剩余本金",
        "next_due_date": "下一还款日",
        "next_due_amount": "应还金额",
        "settled_on": "结清日",
        "no_loans": "暂无借款。",
    },
    "en": {
        "app_name": "loanbook",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "username": "User name",
        "password": "Password",
        "signed_in_as": "Signed in as {name}",
        "language": "中文",
        "error": "Something went wrong",
        "error_400": "Bad request",
        "error_401": "Please sign in",
        "error_403": "Not allowed",
        "error_404": "Page not found",
        "error_409": "Things changed: please try again",
        "error_422": "Refused",
        "error_500": "Server error",
        "error_503": "Unavailable for now",
        "back_home": "Back to the start",
        "csrf_refused": "The form was stale or not from this site; nothing was changed. Reload the page and try again.",
        "sign_in_refused": "That user name and password do not match a user who may sign in.",
        "staff_home": "Back office",
        "my_loans": "My loans",
        "my_coupons": "My coupons",
        "my_requests": "Extensions and plans",
        "my_bureau": "Credit bureau",
        "business_date": "Business date",
        "credit_available": "credit available",
        "credit_balance": "credit balance",
        "bill_for": "Bill for {day}",
        "loan": "Loan",
        "principal": "Principal",
        "interest": "Interest",
        "penalty": "Penalty",
        "fee": "Fee",
        "total": "Total",
        "status_ACTIVE": "Active",
        "status_GRACE": "In grace",
        "status_OVERDUE": "Overdue",
        "status_SETTLED": "Settled",
        "dpd": "{days} days past due",
        "principal_outstanding": "Principal outstanding",
        "next_due_date": "Next due date",
        "next_due_amount": "Amount due",
        "settled_on": "Settled on",
        "no_loans": "No loans yet.",
    },
}


def add_texts(texts: dict[str, dict[str, str]]) -> None:
    """For another part of the web pages (the back office) to add its phrases, in both
    languages, at import time."""
    for language in LANGUAGES:
        TEXTS[language].update(texts[language])


def language_of(request: Request) -> str:
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translator(language: str) -> Callable[..., str]:
    texts = TEXTS[language]

    def t(key: str, **values: object) -> str:
        text = texts.get(key) or TEXTS["en"].get(key) or key
        return text.format(**values) if values else text

    return t
