package action

import (
	"cmp"
	"context"
	"fmt"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// resolveRegistry picks the registry to work on: the one Kamal pushes to,
// registry.server, which the registry input must match. Only when the server
// is an ERB tag reading a variable a later step sets does the registry come
// from the input, else from the caller's account (STS) in the input region.
func resolveRegistry(ctx context.Context, d Deps, in Inputs, cfg *kamal.Config, res *Result) (registry.Host, *registry.Clients, error) {
	server := cfg.Server
	var host registry.Host
	switch {
	case !server.Present():
		where, target := cfg.RegistryPos, cmp.Or(in.Registry, "<account>.dkr.ecr.<region>.amazonaws.com")
		if where.Line == 0 {
			where = diag.Pos{File: cfg.Files[0].Path}
		}
		return host, nil, &diag.Finding{Pos: where, Severity: diag.Error, Code: "ecr/no-registry-server",
			Msg: "registry.server is not set, so Kamal pushes to Docker Hub, not ECR",
			Fix: "set registry.server: " + target}
	case server.Err != nil && server.Unset != "":
		return deferredRegistry(ctx, d, in, cfg, res)
	}
	text, err := needed(server, "registry.server", "set the variable in the workflow's env, or write registry.server literally")
	if err != nil {
		return host, nil, err
	}
	if host, err = registry.ParseHost(text); err != nil {
		return host, nil, &diag.Finding{Pos: server.Pos, Severity: diag.Error, Code: "ecr/not-ecr-registry", Msg: "registry.server: " + err.Error(),
			Fix: "point registry.server at your ECR registry"}
	}
	if in.Registry != "" && in.Registry != host.Name {
		return host, nil, &diag.Finding{Pos: server.Pos, Severity: diag.Error, Code: "input/registry-mismatch",
			Msg: fmt.Sprintf("registry.server is %s but the registry input is %s; Kamal pushes to %s", host.Name, in.Registry, host.Name),
			Fix: "make them the same, or remove the registry input", Inputs: []diag.Setting{{Name: "registry"}}}
	}
	res.RegistryFrom = FromServer
	if in.Region != "" && in.Region != host.Region {
		res.Findings = append(res.Findings, &diag.Finding{Pos: server.Pos, Severity: diag.Notice, Code: "input/region-ignored",
			Msg:    fmt.Sprintf("the aws-region input is %s, but %s is in %s; ECR calls go to %s", in.Region, host.Name, host.Region, host.Region),
			Inputs: []diag.Setting{{Name: "aws-region"}}})
	}
	if in.Check {
		return host, nil, nil // a check asks AWS nothing
	}
	clients, err := d.Clients(ctx, host.Region, &host)
	return host, clients, err
}

// deferredRegistry is for server: <%= ENV["ECR_REGISTRY"] %> whose variable
// a later step sets (often from this step's registry output): the registry
// is the input's, else the caller's account from STS.
func deferredRegistry(ctx context.Context, d Deps, in Inputs, cfg *kamal.Config, res *Result) (registry.Host, *registry.Clients, error) {
	server := cfg.Server
	later := func(host string) {
		fix := fmt.Sprintf("set %s for kamal deploy to this step's registry output (env: %s: ${{ steps.<id>.outputs.registry }})", server.Unset, server.Unset)
		if d.Getenv("GITHUB_ACTIONS") != "true" { // a terminal has no step outputs
			fix = fmt.Sprintf("set %s=%s for kamal deploy", server.Unset, host)
		}
		res.Findings = append(res.Findings, &diag.Finding{Pos: server.Pos, Severity: diag.Notice, Code: "ecr/registry-set-later",
			Msg: fmt.Sprintf("registry.server reads %s, which is not set in this step; kamal-ecr worked on %s", server.Unset, host), Fix: fix})
	}
	if in.Registry != "" {
		host, _ := registry.ParseHost(in.Registry) // validated with the inputs
		res.RegistryFrom = FromInput
		later(host.Name)
		if in.Check {
			return host, nil, nil
		}
		clients, err := d.Clients(ctx, host.Region, &host)
		return host, clients, err
	}
	region := cmp.Or(in.Region, d.Getenv("AWS_REGION"), d.Getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return registry.Host{}, nil, &diag.Finding{Pos: server.Pos, Severity: diag.Error, Code: "ecr/registry-unknown",
			Msg:    fmt.Sprintf("registry.server reads %s, which is not set, and neither the registry input nor an AWS region tells the registry", server.Unset),
			Fix:    "give the registry input (or the aws-region input), or set " + server.Unset + " in the environment",
			Inputs: []diag.Setting{{Name: "registry"}, {Name: "aws-region"}}}
	}
	if in.Check {
		host := registry.HostFor("000000000000", region)
		res.RegistryFrom = PlaceholderForCheck
		later(host.Name)
		return host, nil, nil
	}
	clients, err := d.Clients(ctx, region, nil)
	if err != nil {
		return registry.Host{}, nil, err
	}
	res.RegistryFrom = FromSTS
	if in.DryRun && !clients.HasCredentials {
		host := registry.HostFor("000000000000", region)
		res.RegistryFrom = PlaceholderNoCredentials
		later(host.Name)
		return host, nil, nil
	}
	account, err := registry.Account(ctx, clients.STS)
	if err != nil {
		return registry.Host{}, nil, err
	}
	host := registry.HostFor(account, region)
	later(host.Name)
	return host, clients, nil
}
