package action

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

// checkSecrets makes sure every secret the registry sections name reaches
// Kamal: Kamal reads them from its secrets files, not from the environment.
// Values are never read out, only whether each name has one.
func checkSecrets(d Deps, in Inputs, cfg *kamal.Config) ([]*diag.Finding, error) {
	if len(cfg.Secrets) == 0 {
		return nil, nil
	}
	secretsPath := kamal.DefaultSecretsPath
	if v := cfg.SecretsPath; v.Present() && v.Err == nil && v.Text != "" {
		secretsPath = v.Text
	}
	root := kamal.AppRoot(in.ConfigFile)
	if path.IsAbs(secretsPath) || !filepath.IsLocal(path.Join(root, secretsPath)) {
		return []*diag.Finding{secretsOutside(cfg, secretsPath)}, nil
	}
	var found []string
	defined := map[string]string{}
	for _, name := range kamal.SecretsFiles(secretsPath, in.Destination) {
		file := path.Join(root, name)
		src, err := d.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var fx interface{ Fix() string }
		if errors.As(err, &fx) { // not a regular file, a loop of links…
			return nil, &diag.Finding{Pos: diag.Pos{File: file}, Severity: diag.Error, Code: "secrets/unreadable",
				Msg: fmt.Sprintf("secrets file %v", err), Fix: fx.Fix()}
		}
		if err != nil {
			return nil, fmt.Errorf("read secrets file %s: %w", file, err)
		}
		found = append(found, file)
		for k, v := range kamal.ParseSecrets(src) {
			defined[k] = v
		}
	}
	files := kamal.SecretsFiles(secretsPath, in.Destination)
	target := path.Join(root, files[len(files)-1])
	if len(found) > 0 {
		target = found[len(found)-1]
	}
	var findings []*diag.Finding
	var missing []error
	for _, s := range cfg.Secrets {
		if defined[s.Name] != "" {
			continue
		}
		line := fmt.Sprintf("%s=$%s", s.Name, s.Name)
		if len(found) == 0 {
			findings = append(findings, &diag.Finding{Pos: s.Pos, Severity: diag.Warning, Code: "secrets/no-file",
				Msg: fmt.Sprintf("%s names the secret %s, and there is no secrets file (%s) yet, so kamal deploy will fail unless a later step writes one", s.Key, s.Name, path.Join(root, files[len(files)-1])),
				Fix: fmt.Sprintf("add the line %s to %s, and set %s in kamal deploy's env", line, target, s.Name)})
			continue
		}
		why := "does not define it"
		if _, ok := defined[s.Name]; ok {
			why = "gives it no value"
		}
		missing = append(missing, &diag.Finding{Pos: s.Pos, Severity: diag.Error, Code: "secrets/missing",
			Msg: fmt.Sprintf("%s names the secret %s, but %s %s, so kamal deploy will fail", s.Key, s.Name, joinFiles(found), why),
			Fix: fmt.Sprintf("add the line %s to %s, and set %s in kamal deploy's env", line, target, s.Name)})
	}
	return findings, errors.Join(missing...)
}

// secretsOutside is the warning for a secrets_path the action may not read:
// Kamal allows an absolute one (on the machine that runs kamal deploy), and
// the action reads nothing outside the workspace.
func secretsOutside(cfg *kamal.Config, secretsPath string) *diag.Finding {
	names := make([]string, 0, len(cfg.Secrets))
	for _, s := range cfg.Secrets {
		names = append(names, s.Name)
	}
	return &diag.Finding{Pos: cfg.SecretsPath.Pos, Severity: diag.Warning, Code: "secrets/outside-workspace",
		Msg: fmt.Sprintf("secrets_path %s is outside the workspace, so the action did not read it: it could not check that the secrets define %s", secretsPath, strings.Join(names, ", ")),
		Fix: "make sure the machine that runs kamal deploy has them there, or keep secrets_path inside the repository (the default is .kamal/secrets)"}
}

func joinFiles(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%s and %s", files[0], files[1])
}
