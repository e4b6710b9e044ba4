package ecrtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

// ecr answers one ECR operation: the result, or an error code and message.
func (s *Server) ecr(op string, req map[string]any) (any, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	registry := str(req, "registryId")
	if registry == "" {
		registry = s.Account
	}
	name := str(req, "repositoryName")
	switch op {
	case "CreateRepository":
		return s.create(registry, name, req)
	case "DescribeRepositories":
		return s.describeRepositories(registry, req)
	case "GetLifecyclePolicy", "PutLifecyclePolicy":
		return s.lifecycle(op, registry, name, req)
	case "BatchCheckLayerAvailability":
		return s.checkLayers(registry, name, req)
	case "DescribePullThroughCacheRules":
		return s.describeRules(registry, req), "", ""
	case "GetAuthorizationToken":
		token := base64.StdEncoding.EncodeToString([]byte("AWS:local-secret-password-" + registry))
		return map[string]any{"authorizationData": []any{map[string]any{
			"authorizationToken": token, "expiresAt": float64(time.Now().Add(12 * time.Hour).Unix()),
			"proxyEndpoint": "https://" + registry + ".dkr.ecr." + s.Region + ".amazonaws.com"}}}, "", ""
	}
	return s.pullThroughOp(op, req, registry)
}

func notFound(registry, name string) (any, string, string) {
	return nil, "RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, registry)
}

func (s *Server) create(registry, name string, req map[string]any) (any, string, string) {
	key := registry + "/" + name
	if _, ok := s.repos[key]; ok {
		return nil, "RepositoryAlreadyExistsException", fmt.Sprintf("The repository with name '%s' already exists in the registry with id '%s'", name, registry)
	}
	if len(name) < 2 {
		return nil, "InvalidParameterException", "invalid repository name"
	}
	r := &Repository{Name: name, Registry: registry, Mutability: "MUTABLE", Encryption: "AES256", Tags: map[string]string{}, Created: time.Now()}
	if v := str(req, "imageTagMutability"); v != "" {
		r.Mutability = v
	}
	if f, ok := req["imageTagMutabilityExclusionFilters"].([]any); ok {
		for _, x := range f {
			r.Filters = append(r.Filters, str(x.(map[string]any), "filter"))
		}
	}
	if c, ok := req["imageScanningConfiguration"].(map[string]any); ok {
		r.ScanOnPush, _ = c["scanOnPush"].(bool)
	}
	if c, ok := req["encryptionConfiguration"].(map[string]any); ok {
		if t := str(c, "encryptionType"); t != "" {
			r.Encryption = t
		}
		r.KMSKey = str(c, "kmsKey")
	}
	if tags, ok := req["tags"].([]any); ok {
		for _, x := range tags {
			t := x.(map[string]any)
			r.Tags[str(t, "Key")] = str(t, "Value")
		}
	}
	s.repos[key] = r
	s.creates[key]++
	return map[string]any{"repository": s.describe(r)}, "", ""
}

func (s *Server) describeRepositories(registry string, req map[string]any) (any, string, string) {
	var out []any
	names, _ := req["repositoryNames"].([]any)
	if len(names) == 0 {
		for _, k := range slices.Sorted(maps.Keys(s.repos)) {
			if r := s.repos[k]; r.Registry == registry {
				out = append(out, s.describe(r))
			}
		}
	}
	for _, n := range names {
		r, ok := s.repos[registry+"/"+n.(string)]
		if !ok {
			return notFound(registry, n.(string))
		}
		out = append(out, s.describe(r))
	}
	return map[string]any{"repositories": out}, "", ""
}

func (s *Server) lifecycle(op, registry, name string, req map[string]any) (any, string, string) {
	r, ok := s.repos[registry+"/"+name]
	if !ok {
		return notFound(registry, name)
	}
	if op == "PutLifecyclePolicy" {
		text := str(req, "lifecyclePolicyText")
		if !json.Valid([]byte(text)) {
			return nil, "InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure'"
		}
		r.Policy = text
	} else if r.Policy == "" {
		return nil, "LifecyclePolicyNotFoundException", fmt.Sprintf("Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", name, registry)
	}
	return map[string]any{"registryId": registry, "repositoryName": name, "lifecyclePolicyText": r.Policy}, "", ""
}

// checkLayers holds no layers: every digest of an existing repository is a
// MissingLayerDigest failure, as ECR answers for a layer never pushed.
func (s *Server) checkLayers(registry, name string, req map[string]any) (any, string, string) {
	if _, ok := s.repos[registry+"/"+name]; !ok {
		return notFound(registry, name)
	}
	digests, _ := req["layerDigests"].([]any)
	if len(digests) == 0 {
		return nil, "InvalidParameterException", "layerDigests must not be empty"
	}
	failures := []any{}
	for _, d := range digests {
		failures = append(failures, map[string]any{"layerDigest": d, "failureCode": "MissingLayerDigest", "failureReason": "Could not find layer"})
	}
	return map[string]any{"layers": []any{}, "failures": failures}, "", ""
}

func (s *Server) describeRules(registry string, req map[string]any) map[string]any {
	start, _ := strconv.Atoi(str(req, "nextToken"))
	size := s.PageSize
	if mr, ok := req["maxResults"].(float64); ok && int(mr) < size {
		size = int(mr)
	}
	start = min(start, len(s.rules))
	end := min(start+size, len(s.rules))
	var out []any
	for _, r := range s.rules[start:end] {
		rule := map[string]any{"ecrRepositoryPrefix": r.Prefix, "upstreamRegistryUrl": r.UpstreamURL, "registryId": registry, "createdAt": 1.7e9}
		if r.UpstreamRegistry != "" {
			rule["upstreamRegistry"] = r.UpstreamRegistry
		}
		if r.UpstreamPrefix != "" {
			rule["upstreamRepositoryPrefix"] = r.UpstreamPrefix
		}
		if r.CredentialArn != "" {
			rule["credentialArn"] = r.CredentialArn
		}
		out = append(out, rule)
	}
	res := map[string]any{"pullThroughCacheRules": out}
	if end < len(s.rules) {
		res["nextToken"] = strconv.Itoa(end)
	}
	return res
}

func (s *Server) describe(r *Repository) map[string]any {
	d := map[string]any{
		"repositoryArn":              fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, r.Registry, r.Name),
		"registryId":                 r.Registry,
		"repositoryName":             r.Name,
		"repositoryUri":              fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", r.Registry, s.Region, r.Name),
		"createdAt":                  float64(r.Created.Unix()),
		"imageTagMutability":         r.Mutability,
		"imageScanningConfiguration": map[string]any{"scanOnPush": r.ScanOnPush},
		"encryptionConfiguration":    map[string]any{"encryptionType": r.Encryption},
	}
	if r.KMSKey != "" {
		d["encryptionConfiguration"].(map[string]any)["kmsKey"] = r.KMSKey
	}
	if len(r.Filters) > 0 {
		var fs []any
		for _, f := range r.Filters {
			fs = append(fs, map[string]any{"filterType": "WILDCARD", "filter": f})
		}
		d["imageTagMutabilityExclusionFilters"] = fs
	}
	return d
}
