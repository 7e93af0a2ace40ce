# hello-birthday container image: the build stage compiles the service and runs its unit tests
# with Debian's -dev packages; the runtime stage carries the stripped binary and only the shared
# libraries it loads. Build: `docker build .` (scripts/docker-image.sh adds version labels).
# Where no registry is reachable, scripts/ensure-docker.sh makes debian:bookworm-slim first.

############################################################################################
# Build stage
############################################################################################
FROM debian:bookworm-slim AS build

# The same package list as a developer machine (scripts/install-deps.sh), plus what the unit
# tests that gate the image need: GoogleTest, and Python for the request-signing reference.
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN set -eux; \
    /src/scripts/install-deps.sh build; \
    apt-get install -y -qq --no-install-recommends libgtest-dev libgmock-dev python3 >/dev/null; \
    rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY api api
COPY src src
COPY tests tests

# There is no .git in the build context, so the revision comes in as a build argument.
ARG REVISION=unknown
RUN set -eux; \
    HELLO_GIT_REVISION="$REVISION" cmake --preset release >/dev/null; \
    # The server and the unit tests only: the other test executables need servers the image
    # build does not start, and would only lengthen the build.
    cmake --build --preset release -j "$(nproc)" --target hello-birthday hello_unit_tests; \
    # Style checks need the git checkout and the linters, which stay outside the image.
    ctest --preset release -L unit -LE lint --no-tests=error -j "$(nproc)"; \
    cmake --install build/release --strip --prefix /out

############################################################################################
# Runtime stage
############################################################################################
FROM debian:bookworm-slim AS runtime

ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="hello-birthday" \
      org.opencontainers.image.description="Birthday greeting HTTP API" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="$SOURCE"

# Shared libraries of the binary (checked by ldd below) and the time zone database for
# HELLO_TIMEZONE.
RUN set -eux; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends \
      tzdata libsqlite3-0 libpq5 libcurl4 libutf8proc2 libfmt9 libspdlog1.10 \
      libprometheus-cpp-core1.0 libboost-json1.81.0 libboost-url1.81.0 libdate-tz3 \
      >/dev/null; \
    rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log; \
    # A fixed UID/GID, so volume ownership and runAsUser policies can name it.
    groupadd --system --gid 10001 hello; \
    useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin hello; \
    install -d -o 10001 -g 10001 -m 0750 /data

# The CA bundle for TLS to PostgreSQL and DynamoDB, without the ca-certificates package: that
# one pulls in the openssl tool (3 MB) only to regenerate the bundle.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/bin/hello-birthday /usr/local/bin/hello-birthday
RUN set -eux; \
    if ldd /usr/local/bin/hello-birthday | grep 'not found'; then exit 1; fi; \
    /usr/local/bin/hello-birthday --version

# The root filesystem may be mounted read-only: the process writes only to /data (SQLite).
VOLUME ["/data"]
USER 10001:10001
ENV HELLO_LISTEN=0.0.0.0:8080 \
    HELLO_DATABASE_URL=sqlite:/data/hello.db \
    HELLO_LOG_FORMAT=json
EXPOSE 8080

# On SIGTERM the service turns /readyz to 503, keeps serving for HELLO_DRAIN_SECONDS (5 s) so
# the balancer takes it out of rotation, then finishes in-flight requests within
# HELLO_SHUTDOWN_TIMEOUT_SECONDS (10 s). The stop timeout must exceed their sum: run with
# `--stop-timeout 20` (compose: stop_grace_period: 20s), or Docker's default 10 s SIGKILLs it
# mid-drain.
STOPSIGNAL SIGTERM

# The binary probes its own /healthz, so the image needs no curl or shell for this.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/hello-birthday", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/hello-birthday"]
