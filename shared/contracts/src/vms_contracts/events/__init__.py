"""The event catalogue: every event any service publishes, one module per producing service.

Importing this package registers every type in `vms_contracts.envelope.EVENT_TYPES`.
"""

from vms_contracts.envelope import EVENT_TYPES, Envelope, Event
from vms_contracts.events.hours import HoursConfirmedV1, HoursRecordedV1
from vms_contracts.events.linkage import TransferFailedV1, TransferSentV1
from vms_contracts.events.registry import CentreRegisteredV1, ConsentChangedV1, ConsentKind, VolunteerRegisteredV1

__all__ = [
    "EVENT_TYPES",
    "CentreRegisteredV1",
    "ConsentChangedV1",
    "ConsentKind",
    "Envelope",
    "Event",
    "HoursConfirmedV1",
    "HoursRecordedV1",
    "TransferFailedV1",
    "TransferSentV1",
    "VolunteerRegisteredV1",
]
