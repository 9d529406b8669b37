"""Activities own every side effect: the credit ledger, rendering and storage."""
