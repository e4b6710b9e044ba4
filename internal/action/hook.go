package action

import (
	"errors"
	"fmt"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/kamal"
)

// fromKamalDestination is err with a missing destination file's fix
// naming KAMAL_DESTINATION when the destination came from it (under a
// hook, without --destination): the destination input was not given.
func fromKamalDestination(in Inputs, err error) error {
	var f *diag.Finding
	if in.Hook == nil || in.Hook.Destination == "" || !errors.As(err, &f) || f.Code != kamal.CodeConfigNotFound ||
		len(f.Inputs) != 1 || f.Inputs[0].Name != "destination" {
		return err
	}
	g := f.WithInputs()
	g.Fix = fmt.Sprintf("create it, or check the destination %q, which came from KAMAL_DESTINATION (kamal's -d)", in.Hook.Destination)
	return g
}
