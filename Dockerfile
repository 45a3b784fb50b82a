# Builds every executable of the suite into one small runtime image.
FROM swift:6.3-bookworm AS build
# ingestion-service parses HTML with libxml2.
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev libxml2-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY . .
# graph-service reads its curated seed from the resource bundle beside the executable.
RUN swift build -c release --product profile-service \
 && swift build -c release --product graph-service \
 && swift build -c release --product ingestion-service \
 && swift build -c release --product backup-service \
 && swift build -c release --product gateway \
 && swift build -c release --product loyalty \
 && mkdir -p /out \
 && cp -R .build/release/profile-service .build/release/graph-service .build/release/ingestion-service \
    .build/release/backup-service .build/release/gateway .build/release/loyalty \
    .build/release/*.resources /out/

FROM swift:6.3-bookworm-slim
# The data folders exist in the image, owned by the service user, so that new named volumes
# mounted on them start out writable by it. ingestion-service needs libxml2 and, for PDFs,
# pdftotext from poppler-utils.
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libxml2 poppler-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data loyalty \
 && mkdir -p /data/profile /data/graph /data/ingestion /data/backup /data/backup-dr /data/gateway && chown -R loyalty /data
COPY --from=build /out/ /usr/local/bin/
USER loyalty
WORKDIR /data
