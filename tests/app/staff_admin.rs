//! Tests of clinic set-up editors, staff accounts, the audit trail, exports and calendar feeds.
