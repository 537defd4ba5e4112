"""The event catalogue: every event any service publishes, one module per producing service.

Importing this package registers every type in `vms_contracts.envelope.EVENT_TYPES`.
"""

from vms_contracts.envelope import EVENT_TYPES, Envelope, Event
from vms_contracts.events.hours import (
    CertificateIssuedV1,
    HoursBloodDonationCountedV1,
    HoursCancelledV1,
    HoursConfirmedV1,
    HoursCorrectedV1,
    HoursRecordedV1,
    HoursRejectedV1,
)
from vms_contracts.events.linkage import (
    BloodDonationRegisteredV1,
    TransferCancelledV1,
    TransferFailedV1,
    TransferSentV1,
)
from vms_contracts.events.registry import (
    CentreRegisteredV1,
    ConsentChangedV1,
    ConsentKind,
    VolunteerRegisteredV1,
    VolunteerRegisteredV2,
)

RETIRED: dict[str, str] = {
    VolunteerRegisteredV1.event_type: VolunteerRegisteredV2.event_type,
}
"""Event types no service publishes any more, each with the type that replaced it.

A version is retired at once, instead of being published beside its successor, when what it carried must stop
flowing (`volunteer.registered.v1` carried a volunteer's name, birth date and phone). It stays in the catalogue
so that the messages the streams still hold from before are read as what they are, and skipped by consumers that
do not follow them, rather than parked as dead letters of an unknown type, which would copy them once more."""

__all__ = [
    "EVENT_TYPES",
    "RETIRED",
    "BloodDonationRegisteredV1",
    "CentreRegisteredV1",
    "CertificateIssuedV1",
    "ConsentChangedV1",
    "ConsentKind",
    "Envelope",
    "Event",
    "HoursBloodDonationCountedV1",
    "HoursCancelledV1",
    "HoursConfirmedV1",
    "HoursCorrectedV1",
    "HoursRecordedV1",
    "HoursRejectedV1",
    "TransferCancelledV1",
    "TransferFailedV1",
    "TransferSentV1",
    "VolunteerRegisteredV1",
    "VolunteerRegisteredV2",
]
