package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Under BuildKit an automatic platform arg declared with a default keeps
// that default for every platform, so an arm64 image would get an amd64
// binary (docker/buildx#510). buildah overrides the default, so building
// here cannot catch it: the Dockerfile itself is read.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range dockerfileProblems(string(b)) {
		t.Error("Dockerfile: " + p)
	}
}

// The check fails on the Dockerfile v1 shipped.
func TestDockerfileProblemsInV1(t *testing.T) {
	v1 := "# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build\nARG TARGETOS=linux\nARG TARGETARCH=amd64\nRUN GOARCH=$TARGETARCH go build\nFROM scratch\n"
	got := strings.Join(dockerfileProblems(v1), "\n")
	for _, want := range []string{"ARG TARGETOS has a default", "ARG TARGETARCH has a default", "# syntax="} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func dockerfileProblems(src string) []string {
	var out []string
	automatic := regexp.MustCompile(`(?im)^\s*ARG\s+((?:TARGET|BUILD)(?:PLATFORM|OS|ARCH|VARIANT))\s*=`)
	for _, m := range automatic.FindAllStringSubmatch(src, -1) {
		out = append(out, "ARG "+m[1]+" has a default; declare it bare so BuildKit fills it in per platform")
	}
	if regexp.MustCompile(`(?im)^#\s*syntax\s*=`).MatchString(src) {
		out = append(out, "a # syntax= line makes BuildKit pull a frontend image on every build")
	}
	froms := regexp.MustCompile(`(?im)^FROM\s+(.*)$`).FindAllStringSubmatch(src, -1)
	if len(froms) == 0 || strings.TrimSpace(froms[len(froms)-1][1]) != "scratch" {
		out = append(out, "the final stage must stay FROM scratch")
	}
	if !strings.Contains(src, "--platform=$BUILDPLATFORM") || !strings.Contains(src, "GOARCH=$TARGETARCH") {
		out = append(out, "the build stage must cross-compile on $BUILDPLATFORM for $TARGETARCH")
	}
	return out
}
