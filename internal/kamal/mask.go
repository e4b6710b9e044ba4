package kamal

import (
	"errors"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/erb"
)

// masked is a source with its ERB tags masked byte for byte, so positions the
// YAML parser gives in the masked text are valid in the source.
type masked struct {
	source
	tmpl *erb.Template
}

// maskERB is the second stage: each file's ERB tags found and masked, the
// if/unless blocks that only read the environment decided.
func maskERB(sources []source, getenv func(string) string) ([]masked, error) {
	out := make([]masked, len(sources))
	for i, s := range sources {
		tmpl, err := erb.Mask(s.src, getenv)
		var ue *erb.UnclosedError
		switch {
		case errors.As(err, &ue):
			return nil, diag.Errorf(diag.Pos{File: s.path, Line: ue.Line}, "erb/unclosed", "close it with %>, or write <%% for a literal <%",
				"this ERB tag is never closed with %%>")
		case err != nil:
			return nil, diag.Errorf(diag.Pos{File: s.path}, "erb/unreadable", "fix the ERB", "%v", err)
		}
		out[i] = masked{s, tmpl}
	}
	return out, nil
}
