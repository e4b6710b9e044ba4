# syntax=docker/dockerfile:1
# Build a static, stripped binary on the build platform (cross-compiling for
# the target), then ship it alone with CA certificates.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal ./internal
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /kamal-ecr .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /kamal-ecr /kamal-ecr
# No USER: a Docker action runs as root so it can write the workspace, and the
# binary gives rewritten files back their original owner.
ENTRYPOINT ["/kamal-ecr"]
