# Lotse in a container: a static binary on a minimal, non-root image.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t lotse .
#   docker run -d --name lotse --restart unless-stopped --stop-timeout 30 \
#     --env-file /etc/lotse/env -v lotse-data:/data lotse
#
# See docs/deployment.md.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION is what "lotse version" prints; empty means "dev".
ARG VERSION=""
# Time zones come with the binary (time/tzdata is imported in cmd/lotse).
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/lotse ./cmd/lotse \
 && mkdir /out/data

# distroless/static: CA certificates, /etc/passwd with the user "nonroot"
# (65532), no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lotse /usr/local/bin/lotse
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV LOTSE_DB=/data/lotse.db
VOLUME /data
# Only used in webhook mode (LOTSE_WEBHOOK_URL); long polling needs no port.
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/lotse"]
