-- Trigram matching powers typo-tolerant search; available on PGlite (contrib) and PostgreSQL.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
