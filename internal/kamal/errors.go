package kamal

import (
	"fmt"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
)

func errorAt(p diag.Pos, fix, format string, args ...any) *diag.Finding {
	return &diag.Finding{Pos: p, Severity: diag.Error, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
