FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin firebreak

FROM debian:bookworm-slim
RUN useradd --system --home /app firebreak
COPY --from=build /src/target/release/firebreak /usr/local/bin/firebreak
USER firebreak
WORKDIR /app
ENTRYPOINT ["firebreak"]
CMD ["chat"]
