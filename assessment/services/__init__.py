"""Writes of test delivery: instruments, campaigns, sessions, responses, results.

The WebSocket consumer, the HTTP API and the citizen's pages all call these, so
every entry point refuses and acknowledges alike. A response is acknowledged only
by the return of :func:`response_record`, which happens after its transaction
committed.

The modules of this package, each importing only those above it:

``errors``       refusals every entry point answers alike
``instruments``  instruments, campaigns, delivery's own invitation codes
``scoring``      results of a session with the active parameter set
``statistics``   item statistics recounted from closed sessions, in the background
``outcomes``     closing a session: its score, and the credit-bank outcome after commit
``events``       events to a session's connections, after commit
``multistage``   panels, routing between modules and design checks of multistage tests
``selection``    the next item: fixed form, booklet rotation, multistage route or adaptive engine
``sessions``     start, resume, connect (fence), refresh, finish and expire sessions
``exposure``     Sympson–Hetter parameters of an adaptive instrument, by simulation
``responses``    store an answer once and acknowledge it after commit
``updates``      changes to instruments and campaigns after creation (the admin's forms)

This package exposes the services below and nothing private. A helper that several
modules share is a public function of the module that owns it (``session_lock`` in
``sessions``, ``session_advance`` and ``pool_for_instrument`` in ``selection``,
``session_close`` in ``outcomes``, ``delivery_refusal`` in ``errors``…) and is imported
from that module, not from here.

Instruments and campaigns
    ``instrument_create``, ``instrument_update``, ``instrument_settings_clean``,
    ``instrument_settings_from_blueprint``, ``instrument_content_targets``,
    ``instrument_exposure_calibrate`` (returns ``ExposureCalibration``),
    ``campaign_create``, ``campaign_update``, ``campaign_close``,
    ``campaign_is_open``, ``campaign_invitation_path`` (``INVITATIONS_SURVEY``,
    ``INVITATIONS_DELIVERY``), ``invitations_create``; adaptive defaults
    ``DEFAULT_MAX_LENGTH``, ``DEFAULT_MIN_LENGTH``, ``DEFAULT_SE_TARGET``.
Multistage tests
    ``multistage_panel_create``, ``multistage_exposure``, ``panel_design_check``.
Sessions and answers
    ``session_start``, ``session_connect``, ``session_refresh``, ``session_finish``,
    ``sessions_expire``, ``session_score``, ``session_not_found`` (the refusal),
    ``response_record`` (returns ``Ack``).
Credit-bank outcomes
    ``session_outcome_record`` (one session's pending outcome),
    ``session_outcomes_record`` (every pending one: the retry sweep).
Item statistics
    ``item_statistics_arrays``, ``item_statistics_refresh``,
    ``item_statistics_schedule``.
"""

from assessment.services.errors import session_not_found
from assessment.services.exposure import (
    ExposureCalibration,
    instrument_exposure_calibrate,
)
from assessment.services.instruments import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_MIN_LENGTH,
    DEFAULT_SE_TARGET,
    campaign_create,
    instrument_create,
    instrument_settings_clean,
    instrument_settings_from_blueprint,
    invitations_create,
)
from assessment.services.multistage import (
    multistage_exposure,
    multistage_panel_create,
    panel_design_check,
)
from assessment.services.outcomes import (
    session_outcome_record,
    session_outcomes_record,
)
from assessment.services.responses import Ack, response_record
from assessment.services.scoring import session_score
from assessment.services.selection import instrument_content_targets
from assessment.services.sessions import (
    INVITATIONS_DELIVERY,
    INVITATIONS_SURVEY,
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
from assessment.services.updates import (
    campaign_close,
    campaign_update,
    instrument_update,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_MIN_LENGTH",
    "DEFAULT_SE_TARGET",
    "INVITATIONS_DELIVERY",
    "INVITATIONS_SURVEY",
    "Ack",
    "ExposureCalibration",
    "campaign_close",
    "campaign_create",
    "campaign_invitation_path",
    "campaign_is_open",
    "campaign_update",
    "instrument_content_targets",
    "instrument_create",
    "instrument_exposure_calibrate",
    "instrument_settings_clean",
    "instrument_settings_from_blueprint",
    "instrument_update",
    "invitations_create",
    "item_statistics_arrays",
    "item_statistics_refresh",
    "item_statistics_schedule",
    "multistage_exposure",
    "multistage_panel_create",
    "panel_design_check",
    "response_record",
    "session_connect",
    "session_finish",
    "session_not_found",
    "session_outcome_record",
    "session_outcomes_record",
    "session_refresh",
    "session_score",
    "session_start",
    "sessions_expire",
]
