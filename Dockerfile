# Carepath container image.
#
#   docker build -t carepath .
#   docker run -p 8080:8080 -v carepath-data:/data carepath            # serve (the default)
#   docker run -v carepath-data:/data carepath migrate                 # or any other subcommand
#
# The SQLite database lives in the /data volume (owned by the image's non-root user, uid 10001:
# a bind-mounted host directory must be writable by that uid). For PostgreSQL set DATABASE_URL.
#
# Settings (environment; `carepath --help` lists them with the matching flags):
#   DATABASE_URL                  SQLite path or sqlite://PATH, or postgres://… (here: /data/carepath.db)
#   CAREPATH_BIND                 listen address (here: 0.0.0.0:8080)
#   CAREPATH_BASE_URL             public address used in links, e.g. https://book.example-clinic.com
#   CAREPATH_TIMEZONE             the demo clinic's IANA time zone when seeding (Europe/London)
#   CAREPATH_HORIZON_DAYS         how many days ahead patients may book (90)
#   CAREPATH_LEAD_TIME_MINUTES    earliest start of a booking, in minutes from now (60)
#   CAREPATH_SLOT_MINUTES         slot grid in minutes (15)
#   CAREPATH_CANCEL_CUTOFF_HOURS  online cancel/reschedule allowed until this many hours before (24)
#   CAREPATH_DB_POOL_SIZE         database connections kept open (16)
#   CAREPATH_WORKERS              HTTP worker threads (one per CPU)
#   RUST_LOG                      log filter (info)

# ---- build ---------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Dependencies first, against a placeholder crate, so this layer is reused until Cargo.toml,
# Cargo.lock or build.rs change.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

COPY migrations migrations
COPY templates templates
COPY src src
# COPY keeps the files' own times, which can be older than the placeholder build: touch so cargo
# rebuilds the crate (migrations and templates are compiled in, too).
RUN touch src/main.rs src/lib.rs build.rs \
    && cargo build --release --locked --bin carepath \
    && cp target/release/carepath /usr/local/bin/carepath

# ---- run -----------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 carepath \
    && useradd --system --uid 10001 --gid carepath --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin carepath \
    && mkdir -p /data \
    && chown carepath:carepath /data
COPY --from=builder /usr/local/bin/carepath /usr/local/bin/carepath

VOLUME /data
WORKDIR /data
ENV DATABASE_URL=/data/carepath.db \
    CAREPATH_BIND=0.0.0.0:8080
EXPOSE 8080
USER carepath:carepath
ENTRYPOINT ["/usr/local/bin/carepath"]
CMD ["serve"]
