# Build a static, stripped binary on the build platform, cross-compiling for
# each target platform, then ship it alone with CA certificates.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
# Automatic platform args stay bare: a default would win over the platform
# being built under BuildKit, and arm64 images would carry an amd64 binary.
ARG TARGETOS
ARG TARGETARCH
# The release passes its version; kamal-ecr --version prints it.
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY *.go ./
COPY internal ./internal
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -X main.version=$VERSION" -o /kamal-ecr .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /kamal-ecr /kamal-ecr
# No USER: a Docker action runs as root so it can write the workspace, and the
# binary gives rewritten files back their original owner.
ENTRYPOINT ["/kamal-ecr"]
