"""Writes of the credit bank: accounts, outcomes, rules, the credit ledger and credentials.

The delivery app calls ``outcome_record_assessment``; every other entry point
(API, pages, admin, commands, tasks) calls these same services.
"""

from learning_platform.creditbank.services.accounts import (
    PLATFORM_SOURCE,
    AccountClosed,
    account_close,
    account_closure_request,
    account_ensure,
    account_number_valid,
    account_open,
    account_tally_rebuild,
)
from learning_platform.creditbank.services.credentials import (
    Verification,
    credential_issue_badge,
    credential_issue_clr,
    credential_revoke,
    credential_verify,
)
from learning_platform.creditbank.services.ledger import (
    RuleApplication,
    awards_due_to_expire,
    credit_correct,
    credits_apply,
    credits_expire,
    expiry_last_run,
)
from learning_platform.creditbank.services.outcomes import (
    INSTITUTION_KINDS,
    OUTCOME_IMPORT_FIELDS,
    outcome_enter,
    outcome_record_assessment,
    outcome_revoke,
    outcomes_import,
)
from learning_platform.creditbank.services.rules import (
    RULE_FIELDS,
    conversion_rule_save,
)

__all__ = [
    "AccountClosed",
    "INSTITUTION_KINDS",
    "OUTCOME_IMPORT_FIELDS",
    "PLATFORM_SOURCE",
    "RULE_FIELDS",
    "RuleApplication",
    "awards_due_to_expire",
    "Verification",
    "account_close",
    "account_closure_request",
    "account_ensure",
    "account_number_valid",
    "account_open",
    "account_tally_rebuild",
    "conversion_rule_save",
    "credential_issue_badge",
    "credential_issue_clr",
    "credential_revoke",
    "credential_verify",
    "credit_correct",
    "credits_apply",
    "credits_expire",
    "expiry_last_run",
    "outcome_enter",
    "outcome_record_assessment",
    "outcome_revoke",
    "outcomes_import",
]
