"""봉사인증 → 인증서 발급: the volunteer issues a certificate of their confirmed hours (in Korean or English, all or a
period's) and prints those issued again; and the public verification page (진위확인), which the certificate's QR
code opens, where anyone holding one checks it without signing in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vms_contracts.actor import Role
from vms_contracts.rpc import hours as hours_rpc
from vms_gateway.api import services_for
from vms_gateway.auth import CurrentPrincipal, Principal
from vms_gateway.portal.frame import (
    DONE,
    FORM_REFUSALS,
    FormErrors,
    PortalRoute,
    fill,
    form_refusal,
    page,
    posted,
    redirect,
    require,
    validated,
    volunteer_of,
)
from vms_gateway.portal.render import say

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

DONE["certificate_issued"] = "WEB_CERT_ISSUED"

CERTIFICATE_FIELDS = ("language", "period_from", "period_to")
VERIFY_FIELDS = ("number", "code")


@router.get("/me/certificates")
async def certificates_page(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.VOLUNTEER)
    return await _certificates(request, me, {"language": "ko", "period_from": "", "period_to": ""})


async def _certificates(
    request: Request,
    me: Principal,
    values: dict[str, str],
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    volunteer_id = volunteer_of(me)
    t = say(request)
    issued_before = await fill(
        t,
        "WEB_CERT_LIST",
        services_for(request, me)(
            hours_rpc.LIST_CERTIFICATES, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id)
        ),
    )
    return page(
        request,
        "certificates.html",
        me,
        status=status,
        values=values,
        errors=errors,
        issued_before=issued_before,
        issued=request.query_params.get("issued", ""),
        languages=[("ko", t("WEB_CERT_LANGUAGE_KO")), ("en", t("WEB_CERT_LANGUAGE_EN"))],
    )


@router.post("/me/certificates")
async def issue_certificate(request: Request, principal: CurrentPrincipal) -> Response:
    me = require(principal, Role.VOLUNTEER)
    form = await posted(request, me)
    values = {name: form.text(name) for name in CERTIFICATE_FIELDS}
    try:
        wanted = validated(hours_rpc.IssueCertificate, {**values, "volunteer_id": str(volunteer_of(me))})
        issued = await services_for(request, me)(hours_rpc.ISSUE_CERTIFICATE, wanted)
    except FORM_REFUSALS as exc:
        refused_here = form_refusal(exc)
        if refused_here is None:
            raise
        errors = FormErrors.of(refused_here.body, say(request), CERTIFICATE_FIELDS)
        return await _certificates(request, me, values, errors, refused_here.status)
    return redirect(f"/me/certificates?done=certificate_issued&issued={issued.id}#issued")


@router.get("/verify")
async def verification_page(request: Request, principal: CurrentPrincipal) -> Response:
    """진위확인: with the number and code (as the QR code gives them, or typed), what the certificate states and
    whether any of its records changed since; without them, the form."""
    number = request.query_params.get("number", "").strip()
    code = request.query_params.get("code", "").strip().upper()
    values = {"number": number, "code": code}
    if not number and not code:
        return page(request, "verify.html", principal, values=values, errors=None, found=None)
    try:
        query = validated(hours_rpc.VerifyCertificate, values)
        found = await services_for(request, principal)(hours_rpc.VERIFY_CERTIFICATE, query)
    except FORM_REFUSALS as exc:
        refused_here = form_refusal(exc)
        if refused_here is None:
            raise
        errors = FormErrors.of(refused_here.body, say(request), VERIFY_FIELDS, codes={"CERTIFICATE_NOT_FOUND": "code"})
        return page(
            request, "verify.html", principal, status=refused_here.status, values=values, errors=errors, found=None
        )
    council = say(request).council(found.council_region)
    return page(request, "verify.html", principal, values=values, errors=None, found=found, council=council)
