package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ImmutableError is a repository whose tag rules break Kamal's deploys.
type ImmutableError struct {
	Repo, Tag  string
	Mutability types.ImageTagMutability
}

func (e *ImmutableError) Error() string {
	return fmt.Sprintf("ECR repository %s is %s, but Kamal overwrites the tag %q on every deploy: set it to MUTABLE, or to IMMUTABLE_WITH_EXCLUSION with a wildcard filter %q",
		e.Repo, e.Mutability, e.Tag, filterFor(e.Tag))
}

// Filters are the exclusion filters that keep Kamal's moving tags mutable.
func Filters(tags []string) []string {
	var out []string
	for _, t := range tags {
		if f := filterFor(t); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func filterFor(tag string) string {
	if strings.HasPrefix(tag, "latest") {
		return "latest*"
	}
	return tag
}

// mutabilityProblems reports every existing repository whose tag rules
// would refuse one of Kamal's moving tags.
func mutabilityProblem(s Status) error {
	for _, tag := range s.MutableTags {
		matched := slices.ContainsFunc(s.Filters, func(f string) bool { return wildcard(f, tag) })
		switch s.Mutability {
		case types.ImageTagMutabilityImmutable:
		case types.ImageTagMutabilityImmutableWithExclusion:
			if matched {
				continue
			}
		case types.ImageTagMutabilityMutableWithExclusion:
			if !matched {
				continue
			}
		default:
			continue
		}
		return &ImmutableError{Repo: s.Name, Tag: tag, Mutability: s.Mutability}
	}
	return nil
}

func wildcard(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}
