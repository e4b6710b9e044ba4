// Command kamal-ecr gets a Kamal app ready to deploy through AWS ECR: it makes
// sure the repositories exist, patches the build cache options for ECR, and
// works out pull-through cache paths. It runs as a GitHub Action or a CLI.
package main

//go:generate go run ./internal/inputs/gen

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kamal-ecr/kamal-ecr/internal/cli"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); else
// the command takes it from the module's build information.
var version = ""

func main() {
	ctx, stop := signalContext()
	cmd := cli.Command{Version: version, Stdout: os.Stdout, Stderr: os.Stderr, IsTerminal: isTerminal}
	code := cmd.Run(ctx, os.Args[1:], os.Environ())
	stop() // deferred calls do not run after os.Exit
	os.Exit(code)
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// StoppedError is the cause of a run cut short by a signal.
type StoppedError struct{ Signal os.Signal }

func (e *StoppedError) Error() string {
	return fmt.Sprintf("stopped by %v before anything more was done", e.Signal)
}

// signalContext is cancelled on SIGINT or SIGTERM, with the signal as its cause.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			cancel(&StoppedError{Signal: s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}
