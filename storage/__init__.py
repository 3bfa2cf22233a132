"""Everything kept: the models and migrations, the engine and sessions (db, dialects,
sqlite_loop), prebuilt statements for the busiest writes (hot), repositories (one per idea),
schemas (plain data passed in), the FSM storage on SQL (fsm) and on Redis (redis_state), the
audit trail (audit), references, the reports' full-text index (search_index), the figures the
dashboard and governance pack read (stats*), stored vectors (vectors), shared vocabularies
(vocab), pseudonymous keys (identity) and owner-only data files (files)."""
