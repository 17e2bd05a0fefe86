"""Writes of test delivery: instruments, campaigns, sessions, responses, results.

The WebSocket consumer, the HTTP API and the citizen's pages all call these, so
every entry point refuses and acknowledges alike. A response is acknowledged only
by the return of :func:`response_record`, which happens after its transaction
committed.

The modules of this package, each importing only those above it:

``errors``       refusals every entry point answers alike
``instruments``  instruments, campaigns, delivery's own invitation codes
``scoring``      results of a session with the active parameter set
``outcomes``     closing a session: its score and the credit-bank outcome
``statistics``   item statistics recounted from closed sessions, in the background
``events``       events to a session's connections, after commit
``multistage``   panels, routing between modules and design checks of multistage tests
``selection``    the next item: fixed form, booklet rotation, multistage route or adaptive engine
``sessions``     start, resume, connect (fence), refresh, finish and expire sessions
``exposure``     Sympson–Hetter parameters of an adaptive instrument, by simulation
``responses``    store an answer once and acknowledge it after commit

``from assessment.services import X`` keeps working for every name below.
"""

from assessment.services.errors import (
    _closed_refusal,
    _epoch_check,
    _fenced_refusal,
    _refuse,
    session_not_found,
)
from assessment.services.events import _fence, _notify
from assessment.services.exposure import (
    ExposureCalibration,
    instrument_exposure_calibrate,
)
from assessment.services.instruments import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_MIN_LENGTH,
    DEFAULT_SE_TARGET,
    _check_deliverable,
    _exposure,
    _int_list,
    campaign_create,
    instrument_create,
    instrument_settings_clean,
    instrument_settings_from_blueprint,
    invitations_create,
)
from assessment.services.outcomes import _close, _record_outcome
from assessment.services.responses import (
    Ack,
    _ack,
    _parse_client_ts,
    _record,
    response_record,
)
from assessment.services.scoring import _main_result, _top, session_score
from assessment.services.selection import (
    _adaptive_settings,
    _advance,
    _advance_adaptive,
    _plan_for,
    _pool,
    _present,
    instrument_content_targets,
)
from assessment.services.sessions import (
    INVITATIONS_DELIVERY,
    INVITATIONS_SURVEY,
    _invitation_use,
    _locked_session,
    campaign_invitation_path,
    campaign_is_open,
    session_connect,
    session_finish,
    session_refresh,
    session_start,
    sessions_expire,
)
from assessment.services.statistics import (
    item_statistics_arrays,
    item_statistics_refresh,
    item_statistics_schedule,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_MIN_LENGTH",
    "DEFAULT_SE_TARGET",
    "Ack",
    "ExposureCalibration",
    "INVITATIONS_DELIVERY",
    "INVITATIONS_SURVEY",
    "campaign_create",
    "campaign_invitation_path",
    "campaign_is_open",
    "instrument_create",
    "instrument_exposure_calibrate",
    "instrument_content_targets",
    "instrument_settings_clean",
    "instrument_settings_from_blueprint",
    "item_statistics_arrays",
    "item_statistics_refresh",
    "item_statistics_schedule",
    "invitations_create",
    "response_record",
    "session_connect",
    "session_finish",
    "session_not_found",
    "session_refresh",
    "session_score",
    "session_start",
    "sessions_expire",
    # Private helpers, re-exported for tests and callers that reached them before
    # the module became a package.
    "_ack",
    "_adaptive_settings",
    "_advance",
    "_advance_adaptive",
    "_check_deliverable",
    "_close",
    "_closed_refusal",
    "_epoch_check",
    "_exposure",
    "_fence",
    "_fenced_refusal",
    "_int_list",
    "_invitation_use",
    "_locked_session",
    "_main_result",
    "_notify",
    "_parse_client_ts",
    "_plan_for",
    "_pool",
    "_present",
    "_record",
    "_record_outcome",
    "_refuse",
    "_top",
]

# Changes to instruments and campaigns after creation (the Wagtail admin's edit forms).
from assessment.services.updates import (  # noqa: E402
    campaign_close,
    campaign_update,
    instrument_update,
)

__all__ += ["campaign_close", "campaign_update", "instrument_update"]

from assessment.services.multistage import (  # noqa: E402
    multistage_exposure,
    multistage_panel_create,
    panel_design_check,
)

__all__ += ["multistage_exposure", "multistage_panel_create", "panel_design_check"]
