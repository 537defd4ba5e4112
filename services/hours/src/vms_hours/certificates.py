"""Certificates (사회복지자원봉사 인증서): issued on a volunteer's confirmed hours, printed again as issued, and checked
by anyone holding one.

A certificate is kept by the deployment that keeps its volunteer (the region written in the volunteer's id): its
number (`<region>-<year>-<serial>`) and id say where to ask for it. It lists the volunteer's confirmed records of
the period wherever they are kept: this deployment's own, and those the other regions' deployments answer for
(asked over the bus when there are any). Each line keeps the record's revision, so that the verification page can
tell whether a record was corrected or cancelled since. The holder's name and birth date are asked of the registry
each time the certificate is printed; this service keeps none of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vms_contracts.actor import Actor
from vms_contracts.events.hours import ActivityKind, CertificateIssuedV1
from vms_contracts.ids import new_id, region_of
from vms_contracts.regions import NATIONAL
from vms_contracts.rpc import hours as rpc
from vms_contracts.rpc.hours import (
    ActivityStatus,
    ActivityView,
    CertificateHolder,
    CertificateLine,
    CertificateList,
    CertificateRef,
    CertificateSummary,
    CertificateVerification,
    CertificateView,
    IssueCertificate,
    VerifyCertificate,
    VolunteerActivities,
)
from vms_contracts.rpc.registry import GET_CENTRE, GET_VOLUNTEER, CentreRef, VolunteerRef
from vms_hours import domain
from vms_hours.db import (
    activities,
    certificate_lines,
    certificate_serials,
    certificates,
    known_centres,
    known_volunteers,
)
from vms_platform.actor import require_scope
from vms_platform.clock import KST
from vms_platform.db import Database, insert_for
from vms_platform.outbox import Outbox
from vms_platform.rpc import RpcClient

CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""The verification code's letters: digits and capitals without I and O (read as 1 and 0)."""

RED_CROSS = "대한적십자사"
"""Where a blood donation took place, as a certificate says: the Red Cross recorded it."""


def verification_code() -> str:
    """Eight random characters, `XXXX-XXXX`: about 40 bits, so that a number alone opens nothing."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def period_text(period_from: date | None, period_to: date | None) -> str:
    if period_from is None and period_to is None:
        return "전체 기간 / all time"
    return f"{period_from.isoformat() if period_from else '…'} ~ {period_to.isoformat() if period_to else '…'}"


def in_period(day: date, period_from: date | None, period_to: date | None) -> bool:
    return (period_from is None or day >= period_from) and (period_to is None or day <= period_to)


class Certificates:
    def __init__(self, db: Database, outbox: Outbox, services: RpcClient, served: Iterable[str]) -> None:
        self.db = db
        self.outbox = outbox
        self.services = services
        """The registry (the holder's details, a centre's name) and the other regions' deployments of hours."""
        self.served = set(served)

    # -- requests ----------------------------------------------------------------------------------------------

    async def issue(self, cmd: IssueCertificate, actor: Actor) -> CertificateView:
        """인증서 발급: for the volunteer themselves, their region's council, the central council. Every confirmed
        record of the period is listed, in date order; a period without any is refused (nothing to certify)."""
        holder = await self._holder(cmd.volunteer_id, actor, rpc.ISSUE_CERTIFICATE.operation)
        elsewhere = await self._records_elsewhere(cmd.volunteer_id)
        home = region_of(cmd.volunteer_id) or NATIONAL
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            lines = await self._lines_here(session, cmd.volunteer_id, cmd.period_from, cmd.period_to)
            lines += [(False, line) for line in await self._lines_of(elsewhere, cmd.period_from, cmd.period_to)]
            if not lines:
                raise domain.NothingToCertify(period=period_text(cmd.period_from, cmd.period_to))
            lines.sort(key=lambda held: (held[1].activity_date, held[1].start_time, str(held[1].activity_id)))
            year = now.astimezone(KST).year
            serial = await _next_serial(session, home, year)
            blood = [line for _, line in lines if line.kind is ActivityKind.BLOOD_DONATION]
            done = [line for _, line in lines if line.kind is ActivityKind.ACTIVITY]
            header: dict[str, Any] = {
                "id": new_id(home) if home != NATIONAL else new_id(),
                "number": f"{home}-{year}-{serial:06d}",
                "code": verification_code(),
                "volunteer_id": cmd.volunteer_id,
                "council_region": holder.region,
                "language": cmd.language.value,
                "period_from": cmd.period_from,
                "period_to": cmd.period_to,
                "activities": len(done),
                "minutes": sum(line.minutes for line in done),
                "blood_donations": len(blood),
                "blood_minutes": sum(line.minutes for line in blood),
                "issued_at": now,
                "issued_by": actor.account_id,
            }
            await session.execute(insert(certificates), [header])
            await session.execute(
                insert(certificate_lines),
                [
                    {"certificate_id": header["id"], "line": n, "held_here": here, **line.model_dump(mode="python")}
                    for n, (here, line) in enumerate(lines, start=1)
                ],
            )
            await self.outbox.stage(
                session,
                CertificateIssuedV1(
                    certificate_id=header["id"],
                    **{k: v for k, v in header.items() if k not in {"id", "code"}},
                ),
                region=home,
            )
        return _view(header, holder.name_and_birth, [line for _, line in lines])

    async def get(self, ref: CertificateRef, actor: Actor) -> CertificateView:
        """A certificate as issued, to print again: for whoever may issue one to its volunteer."""
        async with self.db.transaction() as session:
            header = (
                await session.execute(select(certificates).where(certificates.c.id == ref.certificate_id))
            ).one_or_none()
            if header is None:
                raise domain.CertificateNotFound(number=str(ref.certificate_id))
            lines = await _stored_lines(session, header.id)
        holder = await self._holder(header.volunteer_id, actor, rpc.GET_CERTIFICATE.operation)
        return _view(header._asdict(), holder.name_and_birth, lines)

    async def list_issued(self, query: VolunteerActivities, actor: Actor) -> CertificateList:
        """The certificates issued to a volunteer, newest first."""
        await self._check_scope(query.volunteer_id, actor, rpc.LIST_CERTIFICATES.operation)
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(certificates)
                    .where(certificates.c.volunteer_id == query.volunteer_id)
                    .order_by(certificates.c.issued_at.desc())
                )
            ).all()
        return CertificateList(items=[CertificateSummary.model_validate(row._asdict()) for row in rows])

    async def verify(self, query: VerifyCertificate, actor: Actor) -> CertificateVerification:
        """진위확인, for anyone holding the number and its code: what the certificate states, and how many of the
        records it lists were corrected or cancelled since. A wrong code answers as an unknown number does."""
        async with self.db.transaction() as session:
            header = (
                await session.execute(select(certificates).where(certificates.c.number == query.number))
            ).one_or_none()
            if header is None or not secrets.compare_digest(header.code, query.code):
                raise domain.CertificateNotFound(number=query.number)
            held = (
                await session.execute(
                    select(
                        certificate_lines.c.activity_id,
                        certificate_lines.c.revision,
                        certificate_lines.c.held_here,
                        activities.c.revision.label("now_revision"),
                        activities.c.status,
                    )
                    .select_from(
                        certificate_lines.outerjoin(activities, activities.c.id == certificate_lines.c.activity_id)
                    )
                    .where(certificate_lines.c.certificate_id == header.id)
                )
            ).all()
        changed = sum(
            1
            for line in held
            if line.held_here and (line.now_revision != line.revision or line.status != ActivityStatus.CONFIRMED.value)
        )
        away = {line.activity_id: line.revision for line in held if not line.held_here}
        if away:
            now = {record.id: record for record in await self._records_elsewhere(header.volunteer_id)}
            changed += sum(
                1
                for activity_id, revision in away.items()
                if (record := now.get(activity_id)) is None
                or record.revision != revision
                or record.status is not ActivityStatus.CONFIRMED
            )
        return CertificateVerification(
            **CertificateSummary.model_validate(header._asdict()).model_dump(exclude={"id", "volunteer_id"}),
            changed=changed,
            checked_at=datetime.now(UTC),
        )

    # -- what the certificate states ---------------------------------------------------------------------------

    async def _holder(self, volunteer_id: UUID, actor: Actor, operation: str) -> _Holder:
        """The volunteer as the registry knows them, once the actor may act for them: the volunteer themselves, the
        council of the region hours knows them in. The registry records every read of a person's details, so it is
        asked only after the actor is let through."""
        await self._check_scope(volunteer_id, actor, operation)
        found = await self.services.call(GET_VOLUNTEER, VolunteerRef(volunteer_id=volunteer_id))
        return _Holder(found.region, CertificateHolder(name=found.name, birth_date=found.birth_date))

    async def _check_scope(self, volunteer_id: UUID, actor: Actor, operation: str) -> None:
        async with self.db.transaction() as session:
            region = await session.scalar(
                select(known_volunteers.c.region).where(known_volunteers.c.id == volunteer_id)
            )
        require_scope(actor, operation, volunteer=volunteer_id, region=region or region_of(volunteer_id))

    async def _records_elsewhere(self, volunteer_id: UUID) -> list[ActivityView]:
        """The volunteer's records the other regions' deployments keep (none to ask when this one serves all)."""
        parts = await self.services.gather(
            rpc.LIST_ACTIVITIES, VolunteerActivities(volunteer_id=volunteer_id), skip=self.served
        )
        return [record for part in parts for record in part.items]

    async def _lines_here(
        self, session: AsyncSession, volunteer_id: UUID, period_from: date | None, period_to: date | None
    ) -> list[tuple[bool, CertificateLine]]:
        matching = [activities.c.volunteer_id == volunteer_id, activities.c.status == ActivityStatus.CONFIRMED.value]
        if period_from is not None:
            matching.append(activities.c.activity_date >= period_from)
        if period_to is not None:
            matching.append(activities.c.activity_date <= period_to)
        rows = (
            await session.execute(
                select(activities, known_centres.c.name.label("centre_name"))
                .select_from(activities.outerjoin(known_centres, known_centres.c.id == activities.c.centre_id))
                .where(*matching)
            )
        ).all()
        return [(True, _line(row._asdict(), row.centre_name)) for row in rows]

    async def _lines_of(
        self, records: Sequence[ActivityView], period_from: date | None, period_to: date | None
    ) -> list[CertificateLine]:
        kept = [
            r
            for r in records
            if r.status is ActivityStatus.CONFIRMED and in_period(r.activity_date, period_from, period_to)
        ]
        names: dict[UUID, str] = {}
        for centre_id in {r.centre_id for r in kept if r.centre_id is not None}:
            names[centre_id] = (await self.services.call(GET_CENTRE, CentreRef(centre_id=centre_id))).name
        return [_line(r.model_dump(), names.get(r.centre_id) if r.centre_id is not None else None) for r in kept]


class _Holder:
    def __init__(self, region: str, name_and_birth: CertificateHolder) -> None:
        self.region = region
        self.name_and_birth = name_and_birth


def _line(record: dict[str, Any], centre_name: str | None) -> CertificateLine:
    blood = record["kind"] == ActivityKind.BLOOD_DONATION or record["kind"] == ActivityKind.BLOOD_DONATION.value
    place = RED_CROSS if blood else (record.get("place") or centre_name or "")
    return CertificateLine.model_validate(
        {
            "activity_id": record["id"],
            "revision": record["revision"],
            "kind": record["kind"],
            "activity_date": record["activity_date"],
            "start_time": record["start_time"],
            "end_time": record["end_time"],
            "minutes": record["minutes"],
            "activity_type": record["activity_type"],
            "sub_field": record["sub_field"],
            "place": place,
            "centre_name": centre_name,
            "description": record["description"],
            "donation_type": record.get("donation_type"),
        }
    )


async def _stored_lines(session: AsyncSession, certificate_id: UUID) -> list[CertificateLine]:
    rows = (
        await session.execute(
            select(certificate_lines)
            .where(certificate_lines.c.certificate_id == certificate_id)
            .order_by(certificate_lines.c.line)
        )
    ).all()
    return [CertificateLine.model_validate(row._asdict()) for row in rows]


async def _next_serial(session: AsyncSession, region: str, year: int) -> int:
    """The next 발급번호 serial of `region`'s `year`: the row is made if missing, then counted up under its lock, so
    that certificates issued at once by several replicas get consecutive numbers, none twice."""
    await session.execute(
        insert_for(session, certificate_serials)
        .values(region=region, year=year, last=0)
        .on_conflict_do_nothing(index_elements=["region", "year"])
    )
    serial = await session.scalar(
        update(certificate_serials)
        .where(certificate_serials.c.region == region, certificate_serials.c.year == year)
        .values(last=certificate_serials.c.last + 1)
        .returning(certificate_serials.c.last)
    )
    assert serial is not None
    return int(serial)


def _view(header: dict[str, Any], holder: CertificateHolder, lines: list[CertificateLine]) -> CertificateView:
    return CertificateView.model_validate(
        {**header, "verification_code": header["code"], "holder": holder, "lines": lines}
    )
