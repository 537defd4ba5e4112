"""Certificates (사회복지자원봉사 인증서) in the REST API: issued and printed for the volunteer (or their council), and
verified by anyone holding one, without signing in. The hours service issues them and keeps what each states; the
gateway prints them (`vms_gateway.certificate_pdf`)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vms_contracts.rpc import hours as hours_rpc
from vms_contracts.rpc.hours import (
    CERTIFICATE_NUMBER_PATTERN,
    VERIFICATION_CODE_PATTERN,
    CertificateList,
    CertificateRequest,
    CertificateVerification,
    CertificateView,
)
from vms_contracts.types import Id
from vms_gateway import certificate_pdf
from vms_gateway.api import Call, _request
from vms_gateway.guard import GuardedRoute, operation, within_scope
from vms_gateway.openapi import BODY, EVERY_ROUTE, refusals
from vms_gateway.state import state_of

router = APIRouter(prefix="/api/v1", responses=refusals(*EVERY_ROUTE), route_class=GuardedRoute)

VERIFY_PAGE = "/verify"
"""The portal's public verification page, which the QR code opens."""

PDF = "application/pdf"


def verification_page(request: Request) -> str:
    """The verification page's address as printed: under the configured public address, else this request's."""
    base = state_of(request).settings.public_url or str(request.base_url)
    return base.rstrip("/") + VERIFY_PAGE


async def pdf_of(certificate: CertificateView, request: Request) -> bytes:
    """Drawn off the event loop: a long certificate takes a good part of a second to lay out."""
    return await asyncio.to_thread(certificate_pdf.render, certificate, verification_page(request))


def pdf_response(certificate: CertificateView, content: bytes) -> Response:
    return Response(
        content,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="vms-certificate-{certificate.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/volunteers/{volunteer_id}/certificates",
    status_code=201,
    tags=["volunteers"],
    summary="인증서 발급 (사회복지자원봉사 인증서)",
    responses=refusals(*BODY, 404, 504),
    openapi_extra=operation(hours_rpc.ISSUE_CERTIFICATE.operation),
)
async def issue_certificate(volunteer_id: Id, body: CertificateRequest, call: Call) -> CertificateView:
    """Issues a certificate of the volunteer's confirmed hours (all, or a period's) and answers what it states; its
    PDF is `GET /api/v1/certificates/{id}/pdf`."""
    within_scope(call.actor, hours_rpc.ISSUE_CERTIFICATE.operation, volunteer=volunteer_id)
    issue = _request(hours_rpc.IssueCertificate, volunteer_id=volunteer_id, **body.model_dump())
    return await call(hours_rpc.ISSUE_CERTIFICATE, issue)


@router.get(
    "/volunteers/{volunteer_id}/certificates",
    tags=["volunteers"],
    summary="발급한 인증서 목록",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.LIST_CERTIFICATES.operation),
)
async def list_certificates(volunteer_id: Id, call: Call) -> CertificateList:
    within_scope(call.actor, hours_rpc.LIST_CERTIFICATES.operation, volunteer=volunteer_id)
    return await call(hours_rpc.LIST_CERTIFICATES, hours_rpc.VolunteerActivities(volunteer_id=volunteer_id))


@router.get(
    "/certificates/{certificate_id}/pdf",
    tags=["volunteers"],
    summary="인증서 출력 (PDF)",
    response_class=Response,
    responses={200: {"content": {PDF: {}}, "description": "The certificate, as issued"}, **refusals(404, 422, 504)},
    openapi_extra=operation(hours_rpc.GET_CERTIFICATE.operation),
)
async def certificate_pdf_route(certificate_id: Id, request: Request, call: Call) -> Response:
    certificate = await call(hours_rpc.GET_CERTIFICATE, hours_rpc.CertificateRef(certificate_id=certificate_id))
    return pdf_response(certificate, await pdf_of(certificate, request))


@router.get(
    "/certificates/verification",
    tags=["certificates"],
    summary="인증서 진위확인",
    responses=refusals(404, 422, 504),
    openapi_extra=operation(hours_rpc.VERIFY_CERTIFICATE.operation),
)
async def verify_certificate(
    number: Annotated[str, Query(pattern=CERTIFICATE_NUMBER_PATTERN, description="발급번호, e.g. `11-2026-000123`")],
    code: Annotated[str, Query(pattern=VERIFICATION_CODE_PATTERN, description="확인코드, e.g. `7KQ2-M9XD`")],
    call: Call,
) -> CertificateVerification:
    """Whether a certificate with this number and code was issued, what it states, and how many of its records were
    corrected or cancelled since. Anyone may ask; the holder's details are never answered."""
    return await call(hours_rpc.VERIFY_CERTIFICATE, hours_rpc.VerifyCertificate(number=number, code=code))
