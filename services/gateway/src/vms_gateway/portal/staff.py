"""What the councils' pages share: the accounts they manage (the gateway's own database, `vms_gateway.accounts`),
the centres of a region (registry), registering a centre, and creating and disabling accounts. The regional council
(`/council`) and the central council (`/central`) each build their page from these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import Request

from vms_contracts.regions import NATIONAL, REGIONS
from vms_contracts.rpc import registry as registry_rpc
from vms_contracts.types import Id, RequestModel
from vms_gateway import accounts
from vms_gateway.api import Services
from vms_gateway.auth import Principal
from vms_gateway.portal.frame import (
    FORM_REFUSALS,
    FormErrors,
    Panel,
    fill,
    form_refusal,
    validated,
)
from vms_gateway.portal.render import Say, say

CENTRE_FIELDS = ("name", "phone", "district", "kind", "address")
ACCOUNT_FIELDS = ("login", "password", "region", "centres")
SHOWN_CENTRES = 500
SHOWN_ACCOUNTS = 200


@dataclass
class Forms:
    """The values and errors of each form of a staff page, kept when one is refused and the page shown again."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, FormErrors] = field(default_factory=dict)
    status: int = 200

    def of(self, form: str) -> dict[str, Any]:
        return self.values.get(form, {})

    def errors_of(self, form: str) -> FormErrors | None:
        return self.errors.get(form)


def region_options(t: Say) -> list[tuple[str, str]]:
    return [(code, t.region(code)) for code in REGIONS if code != NATIONAL]


def centres_panel(t: Say, call: Services, region: str) -> Any:
    return fill(
        t,
        "WEB_CENTRES",
        call(registry_rpc.LIST_CENTRES, registry_rpc.ListCentres(region=region, limit=SHOWN_CENTRES)),
    )


def accounts_panel(t: Say, request: Request, me: Principal) -> Any:
    return fill(t, "WEB_ACCOUNTS", accounts.list_accounts(request, me, limit=SHOWN_ACCOUNTS))


def centre_names(centres: Panel[registry_rpc.CentreList]) -> dict[UUID, str]:
    return {c.id: c.name for c in centres.value.items} if centres.value else {}


async def register_centre(
    request: Request, call: Services, form: Mapping[str, str], region: str, forms: Forms
) -> registry_rpc.CentreView | None:
    """Register a centre in `region`; None when refused, with the refusal kept in `forms` beside the form."""
    values = {name: form.get(name, "") for name in CENTRE_FIELDS}
    try:
        details = validated(registry_rpc.RegisterCentre, {**values, "region": region})
        return await call(registry_rpc.REGISTER_CENTRE, details)
    except FORM_REFUSALS as exc:
        refused(request, forms, "centre", values, exc, CENTRE_FIELDS)
        return None


async def create_account(
    request: Request, me: Principal, role: str, values: Mapping[str, Any], forms: Forms, form_name: str
) -> accounts.AccountView | None:
    """Create an account of `role`; None when refused, the refusal kept in `forms` beside the form (the password
    typed is never shown again)."""
    try:
        new = validated(accounts.NewAccount, {**values, "role": role})
        return await accounts.create_account(request, me, new)
    except FORM_REFUSALS as exc:
        refused(request, forms, form_name, {**values, "password": ""}, exc, ACCOUNT_FIELDS)
        return None


def refused(
    request: Request,
    forms: Forms,
    form_name: str,
    values: Mapping[str, Any],
    exc: Exception,
    known: Sequence[str],
) -> None:
    refusal = form_refusal(exc)
    if refusal is None:
        raise exc
    forms.values[form_name] = dict(values)
    forms.errors[form_name] = FormErrors.of(refusal.body, say(request), known, codes={"ACCOUNT_LOGIN_TAKEN": "login"})
    forms.status = refusal.status


async def disable(request: Request, me: Principal, account_id: str) -> accounts.AccountView:
    ref = validated(_AccountRef, {"account_id": account_id})
    return await accounts.disable_account(request, me, ref.account_id)


class _AccountRef(RequestModel):
    account_id: Id
