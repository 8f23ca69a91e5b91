# syntax=docker/dockerfile:1
# A static capm3 binary on a distroless base, running as a non-root user.
FROM rust:1.95-bookworm AS build
RUN rustup target add x86_64-unknown-linux-musl \
 && apt-get update && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/capm3 /capm3

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /capm3 /capm3
USER 65532:65532
ENTRYPOINT ["/capm3"]
CMD ["manager"]
