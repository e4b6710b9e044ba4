package gha

import (
	"fmt"
	"unicode/utf16"
)

// maxOutputs is GitHub's limit for all of a job's outputs together: "1 MB
// per job", the size approximated in UTF-16 (docs: Passing information
// between jobs). This step's share is the whole of it.
const maxOutputs = 1 << 20

// checkSize refuses outputs GitHub would not carry, naming the largest.
func checkSize(outs []Output) error {
	total, largest, largestSize := 0, "", -1
	for _, o := range outs {
		n := utf16Size(o.Name) + utf16Size(o.Value)
		total += n
		if n > largestSize {
			largest, largestSize = o.Name, n
		}
	}
	if total <= maxOutputs {
		return nil
	}
	return fmt.Errorf("the step outputs take %s, over GitHub's %s for a job's outputs; the largest is %s (%s)",
		size(total), size(maxOutputs), largest, size(largestSize))
}

// utf16Size is the size of s in UTF-16, as GitHub counts outputs.
func utf16Size(s string) int {
	n := 0
	for _, r := range s {
		n += 2 * utf16.RuneLen(r)
	}
	return n
}

func size(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
