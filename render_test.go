package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The job summaries render as GitHub renders them: cmark-gfm with GitHub's
// extensions, raw HTML allowed only where the summary writes <details>.
// Debian's cmark-gfm is the renderer; without it the test says so and skips.
func TestSummaryRendersOnGitHub(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "e2e", "*", "summary.md"))
	if err != nil || len(files) < 8 {
		t.Fatalf("%d summaries (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			t.Parallel()
			md, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			html := checkRenders(t, string(md))
			if !strings.HasPrefix(html, "<h2>✅ ") && !strings.HasPrefix(html, "<h2>❌ ") {
				t.Errorf("the first thing shown is not the verdict:\n%.300s", html)
			}
			if strings.Contains(string(md), "```diff") && !regexp.MustCompile(`<details(?: open)?><summary>[^<]*</summary>\n<pre><code class="language-diff">`).MatchString(html) {
				t.Errorf("the diff is not a diff code block under <details>:\n%s", html)
			}
		})
	}
}

// renderGFM renders Markdown with cmark-gfm as GitHub does; unsafe lets raw
// HTML through (GitHub then sanitizes it), safe omits it.
func renderGFM(t *testing.T, md string, unsafe bool) string {
	t.Helper()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed (apt-get install cmark-gfm): the rendering is not checked")
	}
	args := []string{"-e", "table", "-e", "strikethrough", "-e", "autolink", "-e", "tagfilter"}
	if unsafe {
		args = append(args, "--unsafe")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(md)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("cmark-gfm: %v", err)
	}
	return out.String()
}

// allowedTags are what Markdown makes of the summary, and <details>.
var allowedTags = map[string]bool{"h2": true, "h3": true, "p": true, "code": true, "pre": true, "ul": true, "li": true, "strong": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "details": true, "summary": true}

// checkRenders renders a summary and checks its structure: every table is
// a table whose rows all have the header's cells, no HTML but <details>
// comes through, and nothing links anywhere. It returns the HTML.
func checkRenders(t *testing.T, md string) string {
	t.Helper()
	html := renderGFM(t, md, true)
	for _, m := range regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)`).FindAllStringSubmatch(html, -1) {
		if !allowedTags[m[1]] {
			t.Errorf("<%s> in the rendered summary:\n%s", m[1], html)
		}
	}
	tables := regexp.MustCompile(`(?s)<table>.*?</table>`).FindAllString(html, -1)
	if want := regexp.MustCompile(`(?m)^\| --- \|`).FindAllString(md, -1); len(tables) != len(want) {
		t.Errorf("%d tables rendered, %d written:\n%s", len(tables), len(want), html)
	}
	for _, table := range tables {
		rows := regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(table, -1)
		for _, row := range rows {
			if n, want := strings.Count(row, "<td")+strings.Count(row, "<th"), strings.Count(rows[0], "<th"); n != want {
				t.Errorf("a row of %d cells in a table of %d columns: %s", n, want, row)
			}
		}
	}
	// In safe mode only the <details> lines are raw HTML: no value leaked any.
	safe := renderGFM(t, md, false)
	details := regexp.MustCompile(`(?m)^</?details`).FindAllString(md, -1)
	if n := strings.Count(safe, "<!-- raw HTML omitted -->"); n != len(details) {
		t.Errorf("%d pieces of raw HTML, %d <details> lines:\n%s", n, len(details), safe)
	}
	return html
}
