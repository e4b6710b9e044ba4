package action

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/diag"
	"github.com/kamal-ecr/kamal-ecr/internal/registry"
)

// lifecycleInput names the input that turns a repository's policy off.
func lifecycleInput(s registry.Status) string {
	if s.Role == "app" {
		return "app-lifecycle-keep"
	}
	return "cache-lifecycle-days"
}

// repoNotes says what housekeeping did not happen, and what differs: never
// an error, since a deploy works without it.
func repoNotes(plan *Plan, in Inputs, repos []registry.Status) {
	var drift []string
	for _, s := range repos {
		pos := plan.RepoPos[s.Name]
		arn := plan.Host.ARN(s.Name)
		var denied *registry.AccessDeniedError
		switch {
		case s.Policy == registry.PolicyKept:
			plan.noteSet(diag.Notice, pos, "ecr/lifecycle-kept", fmt.Sprintf("ECR repository %s has a lifecycle policy of its own, which was kept (the action would %s)", s.Name, s.Lifecycle.Summary),
				fmt.Sprintf("make it do as much, or set %s: 0 to stop this notice", lifecycleInput(s)), lifecycleInput(s), "0")
		case errors.As(s.PolicyErr, &denied):
			what := "the role lacks " + denied.Action + " on " + arn
			if denied.Action == "ecr:GetLifecyclePolicy" {
				what += ", so the action could not see whether a policy of the repository's own is there, and put none"
			}
			plan.noteSet(diag.Warning, pos, "ecr/lifecycle-denied", fmt.Sprintf("ECR repository %s: lifecycle policy (%s) not set: %s", s.Name, s.Lifecycle.Summary, what),
				fmt.Sprintf("grant %s, or set %s: 0", denied.Action, lifecycleInput(s)), lifecycleInput(s), "0")
		case s.PolicyErr != nil:
			plan.note(diag.Warning, pos, "ecr/lifecycle-failed", fmt.Sprintf("ECR repository %s: lifecycle policy (%s) not set: %v", s.Name, s.Lifecycle.Summary, s.PolicyErr),
				"it is tried again on the next run")
		}
		if s.TagsDropped != nil {
			plan.note(diag.Warning, pos, "ecr/tags-not-set", fmt.Sprintf("ECR repository %s was created without its repository-tags: the role lacks ecr:TagResource on %s", s.Name, arn),
				"grant ecr:TagResource, then tag it (aws ecr tag-resource), or remove repository-tags")
		}
		if s.Unchecked != nil {
			plan.note(diag.Warning, pos, "ecr/not-checked", fmt.Sprintf("could not check whether ECR repository %s exists: AWS denied ecr:CreateRepository, ecr:DescribeRepositories and ecr:BatchCheckLayerAvailability; Kamal's push fails if it is missing", s.Name),
				fmt.Sprintf("allow ecr:BatchCheckLayerAvailability (Kamal's push needs it) or ecr:DescribeRepositories on %s", arn))
		}
		if s.SettingsUnread && !s.Missing {
			plan.note(diag.Warning, pos, "ecr/settings-unread", fmt.Sprintf("ECR repository %s exists, but its tag mutability could not be checked: the role lacks ecr:DescribeRepositories on %s; Kamal's push fails if the repository's tags are immutable", s.Name, arn),
				"allow ecr:DescribeRepositories, or make sure the repository is MUTABLE (or IMMUTABLE_WITH_EXCLUSION with latest*)")
		}
		if len(s.Drift) > 0 {
			drift = append(drift, s.Name+": "+strings.Join(s.Drift, ", "))
		}
	}
	if len(drift) > 0 {
		plan.note(diag.Notice, diag.Pos{}, "ecr/settings-drift", "settings of existing repositories differ from the inputs, which the action sets only when it creates a repository: "+strings.Join(drift, "; "),
			"change them in ECR (or where the repositories are managed), or make the inputs say what the repositories have")
	}
}

// atRepos places each repository's error at the line of the config that
// names the repository.
func atRepos(plan *Plan, err error) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range diag.Flatten(err) {
		var missing *registry.MissingError
		if errors.As(e, &missing) {
			if pos, ok := plan.RepoPos[missing.Repo]; ok && pos.Line > 0 {
				msg, fix, _ := strings.Cut(missing.Error(), ": create it")
				e = &diag.Finding{Pos: pos, Severity: diag.Error, Code: "aws/missing-repository", Msg: msg, Fix: "create it" + fix}
			}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}
