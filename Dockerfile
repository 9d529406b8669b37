# One image for every role of the product: `creative-saas api` and `creative-saas worker`.
# Build: docker build -t creative-saas .    (docker-compose.yml builds it for you)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libfribidi0: Pillow's complex-script layout (Arabic, Hebrew) loads it at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer (the font packages are large and change rarely).
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself; fonts come from the PyPI font packages installed above.
COPY domain ./domain
COPY infra ./infra
COPY rendering ./rendering
COPY api ./api
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY cli ./cli
RUN pip install --no-deps . \
    && python -c "from rendering import check_fonts; from rendering.fonts import raqm_available; \
check_fonts(); assert raqm_available(), 'complex-script shaping needs libfribidi0'"

# Never run as root; the data dir only holds development fallbacks (production sets secrets).
RUN useradd --system --uid 10001 --user-group --no-create-home creative \
    && mkdir -p /var/lib/creative-saas \
    && chown creative:creative /var/lib/creative-saas
USER creative
ENV CREATIVE_SAAS_DATA_DIR=/var/lib/creative-saas \
    API_HOST=0.0.0.0 \
    API_PORT=8000

# 8000: the API; 9464: a worker's Prometheus metrics (WORKER_METRICS_ADDRESS).
EXPOSE 8000 9464
CMD ["creative-saas", "api"]
