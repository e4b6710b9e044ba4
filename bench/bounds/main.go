// Command bounds runs the built kamal-ecr on generated worst cases of each
// shape that once ate time or memory (issue 17, "Resources"), and reads each
// run's wall time and peak RSS from the kernel. It prints a table and exits
// 1 when a case goes over its bound: 5 s and 512 MiB for any input, 50 ms for
// a real config. It talks only to servers it starts on 127.0.0.1.
//
//	go run ./bench/bounds            (from the repository root)
//	go run ./bench/bounds -run ERB   (only the cases whose name contains ERB)
//	go run ./bench/bounds -cpu       (judge by CPU time, on a loaded machine)
//
// Timings are of one run each (the real config: the best of five) on
// whatever machine runs it; run it on a quiet one, or use -cpu. Peak RSS
// comes from GNU time (/usr/bin/time) when it is installed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kamal-ecr/kamal-ecr/internal/ecrtest"
)

const (
	maxWall = 5 * time.Second
	maxRSS  = 512 << 20
	realMax = 50 * time.Millisecond
)

// shape is one generated input: its workspace files, flags, and whether it
// needs AWS (the local ECR, or a server that answers with a huge error).
type shape struct {
	name  string
	files map[string][]byte
	args  []string
	aws   http.Handler
	wall  time.Duration // the bound on wall time
	runs  int           // best of
}

type result struct {
	code            int
	wall, cpu       time.Duration
	rss             int64 // bytes
	stdout, summary int
	outputs         int
	firstError      string
}

func main() {
	only := flag.String("run", "", "only the cases whose name contains this")
	byCPU := flag.Bool("cpu", false, "judge time by CPU time (user+system), not wall time: for a shared, loaded machine")
	flag.Parse()
	dir, err := os.MkdirTemp("", "kamal-ecr-bounds-")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "kamal-ecr")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env, build.Stdout, build.Stderr = append(os.Environ(), "CGO_ENABLED=0"), os.Stderr, os.Stderr
	check(build.Run())

	ecr := ecrtest.New("123456789012", "us-east-1")
	ecr.AddRule(ecrtest.Rule{Prefix: "docker-hub", UpstreamURL: "registry-1.docker.io", UpstreamRegistry: "docker-hub"})
	fmt.Printf("%-44s %4s %8s %8s %9s %9s %9s %8s  %s\n", "case", "exit", "wall", "CPU", "peak RSS", "stdout", "summary", "outputs", "first error")
	failed := false
	for _, s := range shapes(ecr) {
		if !strings.Contains(s.name, *only) {
			continue
		}
		r := measure(bin, dir, s)
		spent := r.wall
		if *byCPU {
			spent = r.cpu
		}
		over := spent > s.wall || r.rss > maxRSS
		mark := ""
		if over {
			mark, failed = " OVER", true
		}
		fmt.Printf("%-44s %4d %8s %8s %5.0f MiB %9s %9s %8s  %.60s%s\n", s.name, r.code, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond),
			float64(r.rss)/(1<<20), size(r.stdout), size(r.summary), size(r.outputs), r.firstError, mark)
	}
	if failed {
		fmt.Printf("some case went over %s or %d MiB (a real config: %s)\n", maxWall, maxRSS>>20, realMax)
		os.Exit(1)
	}
}

// measure runs the binary on a fresh copy of the shape's workspace, the way
// the runner starts the action, and keeps the best of s.runs runs.
func measure(bin, dir string, s shape) result {
	var best result
	for i := range max(s.runs, 1) {
		r := runOnce(bin, filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(s.name, " ", "-"), i)), s)
		if i == 0 || r.wall < best.wall {
			best = r
		}
	}
	return best
}

func runOnce(bin, ws string, s shape) result {
	for name, b := range s.files {
		check(os.MkdirAll(filepath.Dir(filepath.Join(ws, name)), 0o755))
		check(os.WriteFile(filepath.Join(ws, name), b, 0o644))
	}
	runner := ws + "-runner"
	check(os.MkdirAll(runner, 0o755))
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + runner,
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws,
		"GITHUB_OUTPUT=" + filepath.Join(runner, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(runner, "summary"),
		"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"HTTPS_PROXY=http://127.0.0.1:9", // nothing leaves the machine, whatever the run tries
	}
	if s.aws != nil {
		srv := httptest.NewServer(s.aws)
		defer srv.Close()
		env = append(env, "AWS_ENDPOINT_URL_ECR="+srv.URL, "AWS_ENDPOINT_URL_STS="+srv.URL)
	}
	var stdout, stderr counter
	cmd := exec.Command(bin, s.args...)
	// A child's peak RSS counts the memory of the process that forked it
	// until it execs (here, this one's hundreds of MB of generated input):
	// GNU time forks from a small process and reports the binary's own.
	rssFile := runner + "/rss"
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		cmd = exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile, bin}, s.args...)...)
	}
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = ws, env, &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start), stdout: stdout.n, firstError: stdout.firstError}
	if cmd.ProcessState == nil {
		check(err)
	}
	r.code = cmd.ProcessState.ExitCode()
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	if b, err := os.ReadFile(rssFile); err == nil { // "Command exited with…" first when it failed
		lines := strings.Fields(string(b))
		var kb int64
		if _, err := fmt.Sscan(lines[len(lines)-1], &kb); err == nil {
			r.rss = kb * 1024
		}
	}
	r.summary = fileSize(filepath.Join(runner, "summary"))
	r.outputs = fileSize(filepath.Join(runner, "output"))
	return r
}

// counter counts what the run prints, keeping only its first error line.
type counter struct {
	n          int
	firstError string
	line       []byte
}

func (c *counter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.firstError == "" && len(c.line) < 4096 {
		c.line = append(c.line, p[:min(len(p), 4096)]...)
		for _, l := range bytes.Split(c.line, []byte("\n")) {
			if i := bytes.Index(l, []byte("::error")); i >= 0 {
				if j := bytes.Index(l[i+2:], []byte("::")); j >= 0 {
					c.firstError = string(l[i+2+j+2:])
					break
				}
			}
		}
		if i := bytes.LastIndexByte(c.line, '\n'); i >= 0 {
			c.line = c.line[i+1:]
		}
	}
	return len(p), nil
}

func fileSize(path string) int {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return int(info.Size())
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bounds:", err)
		os.Exit(2)
	}
}
