# wirefeed worker image: build with the Rust toolchain, run on a slim Debian with only the binary, its
# configuration and the sample releases (for the compose `demo` profile).
FROM rust:1-slim-bookworm AS builder
WORKDIR /src
# The whole source tree (see .dockerignore): Cargo checks every target the manifest declares.
COPY . .
RUN cargo build --release --locked --bin wirefeed

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app wirefeed
WORKDIR /app
COPY --from=builder /src/target/release/wirefeed /usr/local/bin/wirefeed
COPY config ./config
COPY samples /samples
USER wirefeed
# Logs are JSON lines on stderr; /healthz, /readyz and /metrics on 8080.
ENV WIREFEED__HTTP__ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["wirefeed"]
CMD ["run"]
