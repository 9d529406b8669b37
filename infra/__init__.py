"""Side-effecting infrastructure: settings, database, credit ledger, accounts, storage."""
