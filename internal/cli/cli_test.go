package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/action"
	"github.com/kamal-ecr/kamal-ecr/internal/inputs"
)

// A stop while the config is still being read (reading does not look at the
// context) ends the run within the grace period, with nothing written.
func TestStopWhileReading(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	d := action.Deps{
		ReadFile:  func(string) ([]byte, error) { <-block; return nil, os.ErrNotExist },
		WriteFile: func(string, []byte) error { t.Error("wrote a file"); return nil },
		Mask:      func(string) {},
	}
	in, err := action.ParseInputs(inputs.Default)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("stopped by terminated"))
	start := time.Now()
	_, err = runAction(ctx, d, in)
	if err == nil || !strings.Contains(err.Error(), "stopped by terminated") || time.Since(start) > 2*grace {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	vcs := func(rev, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	for _, tt := range []struct {
		name, release string
		info          *debug.BuildInfo
		ok            bool
		want          string
	}{
		{"release image", "v1.4.0", vcs("0123456789abcdef", "false"), true, "v1.4.0"},
		{"go install @version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "v1.4.0"},
		{"checkout", "", vcs("0123456789abcdef0123", "false"), true, "devel 0123456789ab"},
		{"dirty checkout", "", vcs("0123456789abcdef0123", "true"), true, "devel 0123456789ab-dirty"},
		{"no VCS", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "unknown (built without version control information)"},
		{"no build info", "", nil, false, "unknown (built without module information)"},
	} {
		if got := version(tt.release, tt.info, tt.ok); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if got := version(tt.release, tt.info, tt.ok); got == "devel" {
			t.Errorf("%s: a bare devel", tt.name)
		}
	}
}

// --version prints the version set at build time, and runs nothing.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cmd := Command{Version: "v9.8.7", Stdout: &stdout, Stderr: &stderr}
	if code := cmd.Run(context.Background(), []string{"--version"}, []string{"INPUT_VERSION=true"}); code != 0 || stdout.String() != "kamal-ecr v9.8.7\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// An INPUT_ variable that names no input is said, with the input meant.
func TestUnknownInputs(t *testing.T) {
	t.Parallel()
	got := unknownInputs([]string{"INPUT_DRY_RUN=true", "INPUT_DRY-RUN=true", "INPUT_CONFIG_FILE=x", "INPUT_CACHE-MODES=max",
		"INPUT_VERSION=true", "INPUT_SOMETHING-ELSE=1", "PATH=/bin", "INPUT_DRY_RUN=false"})
	want := []string{
		"INPUT_CACHE-MODES names no input of kamal-ecr, so it is ignored; did you mean cache-mode (INPUT_CACHE-MODE)?",
		"INPUT_CONFIG_FILE names no input of kamal-ecr, so it is ignored; did you mean config-file (INPUT_CONFIG-FILE)?",
		"INPUT_DRY_RUN names no input of kamal-ecr, so it is ignored; did you mean dry-run (INPUT_DRY-RUN)?",
		"INPUT_SOMETHING-ELSE names no input of kamal-ecr, so it is ignored",
		"INPUT_VERSION names no input of kamal-ecr, so it is ignored",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The warning reaches the user before the run, outside Actions on stderr.
func TestUnknownInputWarned(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cmd := Command{Stdout: &stdout, Stderr: &stderr}
	code := cmd.Run(context.Background(), nil, []string{"INPUT_DRY_RUN=true", "INPUT_CACHE-MODE=fast"})
	if code != 2 || !strings.Contains(stderr.String(), "warning: INPUT_DRY_RUN names no input of kamal-ecr, so it is ignored; did you mean dry-run (INPUT_DRY-RUN)?") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
}

// A value far too long is an input error naming the input, before any file
// is opened.
func TestLongValues(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"destination", "config-file"} {
		var stdout, stderr bytes.Buffer
		cmd := Command{Stdout: &stdout, Stderr: &stderr}
		code := cmd.Run(context.Background(), nil, []string{inputs.EnvName(name) + "=" + strings.Repeat("a", 100<<10)})
		if code != 2 || !strings.Contains(stderr.String(), "kamal-ecr: error: --"+name+": is 102400 bytes long") {
			t.Errorf("%s: exit %d, stderr %.300s", name, code, stderr.String())
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/help.txt")

// --help, as a user reads it: grouped, double dashes, no empty defaults.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cmd := Command{Stdout: &stdout, Stderr: &stderr}
	if code := cmd.Run(context.Background(), []string{"--help"}, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	path := filepath.Join("testdata", "help.txt")
	if *update {
		if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(want) {
		t.Errorf("--help differs from %s (go test ./internal/cli -update):\n%s", path, stdout.String())
	}
	// inputs a description names are said as flags: --pull-through-cache=auto, not pull-through-cache: auto
	if help := strings.Join(strings.Fields(stdout.String()), " "); !strings.Contains(help, "With --pull-through-cache=auto it reads") ||
		!strings.Contains(help, "(with --kms-key)") || strings.Contains(help, "pull-through-cache: auto") {
		t.Errorf("--help names inputs, not flags:\n%s", stdout.String())
	}
	for line := range strings.Lines(stdout.String()) {
		if len(line) > 81 || strings.Contains(line, `(default "`) {
			t.Errorf("line %q", line)
		}
	}
}

// Bad command lines are errors as the others are, with double dashes.
func TestBadCommandLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "kamal-ecr: error: flag provided but not defined: --nope (see kamal-ecr --help)\n"},
		{[]string{"--cache-mode"}, "kamal-ecr: error: flag needs an argument: --cache-mode (see kamal-ecr --help)\n"},
		{[]string{"extra"}, "kamal-ecr: error: unexpected argument \"extra\" (see kamal-ecr --help)\n"},
		{[]string{"--format", "yaml"}, "kamal-ecr: error: --format: \"yaml\" is not text or json\n"},
	} {
		var stdout, stderr bytes.Buffer
		cmd := Command{Stdout: &stdout, Stderr: &stderr}
		if code := cmd.Run(context.Background(), tt.args, nil); code != 2 || stderr.String() != tt.want || stdout.Len() > 0 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}
