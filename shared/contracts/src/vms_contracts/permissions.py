"""The permission matrix: for each operation, what each role may do. One table, read by the gateway (which checks
before it asks) and by every service (which is the authority), and printed in the documentation
(`docs/permissions.md`, written by `vms docs`).

    allowed  the role may do it to anything
    own      only within the actor's own scope (`vms_contracts.actor.Actor.covers`): a volunteer themselves, a
             centre manager their centres' records, a council admin their region's; a list is cut to that scope
    -        refused (403, or the refusal `NOT_PERMITTED` on the bus)

An operation is `<service>.<request>` for what a service answers (`vms_contracts.rpc`), and `accounts.<what>` for
what the gateway itself keeps (accounts, sessions, tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vms_contracts.actor import Role


class Access(StrEnum):
    ALLOWED = "allowed"
    OWN = "own"
    REFUSED = "refused"


_CELL = {"allowed": Access.ALLOWED, "own": Access.OWN, "-": Access.REFUSED}

COLUMNS = (
    Role.ANONYMOUS,
    Role.VOLUNTEER,
    Role.CENTRE_MANAGER,
    Role.COUNCIL_ADMIN,
    Role.CENTRAL_ADMIN,
    Role.INTEGRATOR,
    Role.SERVICE,
)

# Consent to 1365 linkage is what lets personal data leave the system: the volunteer alone gives or withdraws it.
# A centre reads a volunteer's records only as far as its own centres kept them; personal data (name, birth date,
# phone) is read by the volunteer, their region's council, the central council and the services that need it
# (linkage, to send hours to 1365), and every such read is recorded (`registry.list_access_records`).
MATRIX_TABLE = """
operation                        anonymous volunteer centre_manager council_admin central_admin integrator service
registry.register_volunteer      allowed   -         -              -             -             -          -
registry.get_volunteer           -         own       -              own           allowed       -          allowed
registry.set_consent             -         own       -              -             -             -          -
registry.register_centre         -         -         -              own           allowed       -          -
registry.get_centre              -         allowed   allowed        allowed       allowed       allowed    allowed
registry.list_centres            -         allowed   allowed        allowed       allowed       allowed    allowed
registry.list_access_records     -         -         -              own           allowed       -          -
registry.update_volunteer        -         own       -              -             -             -          -
registry.withdraw_volunteer      -         own       -              -             -             -          -
registry.record_guardian_consent -         own       -              -             -             -          -
registry.accredit_centre         -         -         -              own           allowed       -          -
registry.suspend_centre          -         -         -              own           allowed       -          -
registry.post_recruitment        -         -         own            -             -             -          -
registry.update_recruitment      -         -         own            -             -             -          -
registry.close_recruitment       -         -         own            -             -             -          -
registry.get_recruitment         allowed   allowed   allowed        allowed       allowed       allowed    allowed
registry.search_recruitments     allowed   allowed   allowed        allowed       allowed       allowed    allowed
registry.apply                   -         own       -              -             -             -          -
registry.cancel_application      -         own       -              -             -             -          -
registry.accept_application      -         -         own            -             -             -          -
registry.reject_application      -         -         own            -             -             -          -
registry.place_application       -         -         own            -             -             -          -
registry.list_applications       -         own       own            own           allowed       -          allowed
registry.record_orientation      -         -         own            -             -             -          -
registry.recommend_recruitments  -         own       -              -             allowed       -          -
registry.recommend_volunteers    -         -         own            -             -             -          -
registry.apply_team              -         own       -              -             -             -          -
registry.appoint_team            -         -         -              own           allowed       -          -
registry.decline_team            -         -         -              own           allowed       -          -
registry.place_team              -         -         -              own           allowed       -          -
registry.get_team                allowed   allowed   allowed        allowed       allowed       allowed    allowed
registry.search_teams            allowed   allowed   allowed        allowed       allowed       allowed    allowed
registry.move_volunteer          -         own       -              -             -             -          -
registry.volunteer_facts         -         -         -              -             -             -          allowed
registry.hand_over_volunteer     -         -         -              -             -             -          allowed
hours.record_activity            -         -         own            -             -             -          -
hours.record_activities          -         -         own            -             -             -          -
hours.confirm_activity           -         -         own            -             -             -          -
hours.reject_activity            -         -         own            -             -             -          -
hours.correct_activity           -         -         own            -             -             -          -
hours.cancel_activity            -         -         own            -             -             -          -
hours.get_activity               -         own       own            own           allowed       -          allowed
hours.get_activity_history       -         own       own            own           allowed       -          allowed
hours.list_activities            -         own       own            own           allowed       -          allowed
hours.list_centre_activities     -         -         own            own           allowed       -          allowed
hours.get_volunteer_totals       -         own       -              own           allowed       -          allowed
hours.get_centre_totals          -         -         own            own           allowed       -          allowed
hours.get_region_totals          -         -         -              own           allowed       -          allowed
hours.issue_certificate          -         own       -              own           allowed       -          -
hours.get_certificate            -         own       -              own           allowed       -          -
hours.list_certificates          -         own       -              own           allowed       -          allowed
hours.verify_certificate         allowed   allowed   allowed        allowed       allowed       allowed    allowed
rewards.get_total                -         own       -              own           allowed       -          allowed
linkage.list_transfers           -         own       -              own           allowed       -          allowed
registry.health                  allowed   allowed   allowed        allowed       allowed       allowed    allowed
hours.health                     allowed   allowed   allowed        allowed       allowed       allowed    allowed
rewards.health                   allowed   allowed   allowed        allowed       allowed       allowed    allowed
linkage.health                   allowed   allowed   allowed        allowed       allowed       allowed    allowed
accounts.sign_up                 allowed   -         -              -             -             -          -
accounts.manage_own              -         own       own            own           own           own        -
accounts.create_council_admin    -         -         -              -             allowed       -          -
accounts.create_centre_manager   -         -         -              own           allowed       -          -
accounts.create_integrator       -         -         -              -             allowed       -          -
accounts.list                    -         -         -              own           allowed       -          -
accounts.disable                 -         -         -              own           allowed       -          -
"""


@dataclass(frozen=True)
class Permission:
    operation: str
    access: dict[Role, Access]


def _parse(table: str) -> dict[str, Permission]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    if header[1:] != [role.value for role in COLUMNS]:
        raise ValueError(f"the matrix's columns must be {[r.value for r in COLUMNS]}, not {header[1:]}")
    matrix: dict[str, Permission] = {}
    for row in rows:
        operation, cells = row[0], row[1:]
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{operation}: {len(cells)} cells for {len(COLUMNS)} roles")
        if operation in matrix:
            raise ValueError(f"{operation} is in the matrix twice")
        matrix[operation] = Permission(
            operation, {role: _CELL[cell] for role, cell in zip(COLUMNS, cells, strict=True)}
        )
    return matrix


MATRIX: dict[str, Permission] = _parse(MATRIX_TABLE)


def access(operation: str, role: Role) -> Access:
    """What `role` may do of `operation`; an operation the matrix does not list is refused to everyone."""
    permission = MATRIX.get(operation)
    return permission.access[role] if permission else Access.REFUSED


def markdown() -> str:
    """The matrix as a Markdown table, for the documentation."""
    head = "| operation | " + " | ".join(role.value for role in COLUMNS) + " |"
    rule = "|---|" + "---|" * len(COLUMNS)
    sign = {Access.ALLOWED: "allowed", Access.OWN: "own", Access.REFUSED: "–"}
    rows = [
        f"| `{p.operation}` | " + " | ".join(sign[p.access[role]] for role in COLUMNS) + " |" for p in MATRIX.values()
    ]
    return "\n".join([head, rule, *rows])
