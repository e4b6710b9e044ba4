// Command checkplatforms checks that every platform image in an OCI layout
// carries a binary for that platform: checkplatforms DIR /kamal-ecr.
// CI runs it on the built image, and the release runs it before pushing.
package main

import (
	"fmt"
	"os"

	"github.com/kamal-ecr/kamal-ecr/internal/ociimage"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: checkplatforms OCI-LAYOUT-DIR PATH-IN-IMAGE")
		os.Exit(2)
	}
	bins, err := ociimage.Binaries(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkplatforms:", err)
		os.Exit(1)
	}
	for _, b := range bins {
		fmt.Printf("%s: %s is %v\n", b.Platform, os.Args[2], b.Machine)
	}
	if err := ociimage.Check(bins); err != nil {
		fmt.Fprintln(os.Stderr, "checkplatforms:", err)
		os.Exit(1)
	}
}
