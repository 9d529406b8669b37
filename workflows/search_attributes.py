"""Search attributes operators use to find jobs in the Temporal UI and CLI."""

from temporalio.common import SearchAttributeKey

ACCOUNT_ID = SearchAttributeKey.for_keyword("AccountId")
JOB_STATUS = SearchAttributeKey.for_keyword("JobStatus")

ALL = (ACCOUNT_ID, JOB_STATUS)
