package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/gha"
)

// Outputs are the step outputs of a successful run. The login outputs are
// there only when a login was fetched.
func Outputs(r *action.Result) []gha.Output {
	type repo struct {
		Name    string `json:"name"`
		URI     string `json:"uri"`
		Created bool   `json:"created"`
	}
	repos := []repo{}
	created := []string{}
	for _, s := range r.Repos {
		repos = append(repos, repo{s.Name, s.URI, s.Created})
		if s.Created {
			created = append(created, s.Name)
		}
	}
	images, accessories, digests := map[string]string{}, map[string]string{}, map[string]string{}
	// what the report prints of the outputs made from secrets (masked in
	// the runner's file, where later steps read them whole)
	accessoriesShown, digestsShown := map[string]string{}, map[string]string{}
	secret := false
	for _, t := range r.Translations {
		secret = secret || t.Secret()
		if t.Pull != nil && t.Pull.Digest != "" {
			digests[t.Output] = t.Pull.Digest
			digestsShown[t.ShownOutput()] = t.Pull.Digest
		}
		switch t.From {
		case "images input", "kamal-proxy":
			images[t.Ref] = t.Output
		case "accessory":
			accessories[t.Name] = t.Output
			accessoriesShown[t.Name] = t.ShownOutput()
		}
	}
	shown := func(m map[string]string) string {
		if !secret {
			return ""
		}
		return jsonText(m)
	}
	outs := []gha.Output{
		{Name: "registry", Value: r.Registry},
		{Name: "image", Value: r.Image},
		{Name: "cache-image", Value: r.CacheImage},
		{Name: "repositories", Value: jsonText(repos)},
		{Name: "created", Value: jsonText(created)},
		{Name: "patched", Value: fmt.Sprint(r.Patched)},
		{Name: "config-file", Value: r.ConfigFile},
		{Name: "changed-files", Value: jsonText(r.ChangedFiles())},
		{Name: "images", Value: jsonText(images)},
		{Name: "accessory-images", Value: jsonText(accessories), Shown: shown(accessoriesShown)},
		{Name: "image-digests", Value: jsonText(digests), Shown: shown(digestsShown)},
	}
	if r.Username != "" || r.Password != "" {
		outs = append(outs, gha.Output{Name: "registry-username", Value: r.Username},
			gha.Output{Name: "registry-password", Value: r.Password, Secret: true})
	}
	return outs
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings, bools and maps of strings always encode
	}
	return strings.TrimSpace(b.String())
}
