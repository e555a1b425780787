# PostgreSQL 15 with pgaudit, for the compose set-up (README, "Access log": direct database
# sessions are audited by pgaudit).
FROM postgres:15-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15-pgaudit \
    && rm -rf /var/lib/apt/lists/*
