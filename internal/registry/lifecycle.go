package registry

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Marker ends the description of every lifecycle rule the action writes: a
// policy whose rules carry it is the action's own, and may be updated; any
// other policy is the user's, and is kept.
const Marker = "(kamal-ecr)"

// Lifecycle is a lifecycle policy to ensure on a repository.
type Lifecycle struct {
	Text    string // the policy JSON
	Summary string // what it does, for reports
}

// CacheLifecycle expires untagged images after days: every cache export
// moves the cache tag and orphans the previous manifest.
func CacheLifecycle(days int) *Lifecycle {
	return &Lifecycle{Text: LifecyclePolicy(days), Summary: fmt.Sprintf("expire untagged after %d days", days)}
}

// LifecyclePolicy is CacheLifecycle's JSON.
func LifecyclePolicy(days int) string {
	return fmt.Sprintf(`{"rules":[{"rulePriority":1,"description":"Expire untagged build cache after %d days %s","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":%d},"action":{"type":"expire"}}]}`, days, Marker, days)
}

// AppLifecycle keeps the newest keep tagged images of the app repository.
// Kamal tags every deploy (its version, and latest or latest-<destination>
// on the newest), so a tagged image is a deploy; a multi-arch push stores an
// index with the tags and untagged per-platform manifests, which this rule
// neither counts nor expires.
func AppLifecycle(keep int) *Lifecycle {
	return &Lifecycle{
		Text:    fmt.Sprintf(`{"rules":[{"rulePriority":1,"description":"Keep the newest %d Kamal deploys %s","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":%d},"action":{"type":"expire"}}]}`, keep, Marker, keep),
		Summary: fmt.Sprintf("keep the newest %d deploys", keep),
	}
}

// ours reports whether a policy is one the action wrote.
func ours(text string) bool {
	var p struct {
		Rules []struct{ Description string } `json:"rules"`
	}
	if json.Unmarshal([]byte(text), &p) != nil || len(p.Rules) == 0 {
		return false
	}
	for _, r := range p.Rules {
		if !strings.HasSuffix(r.Description, Marker) {
			return false
		}
	}
	return true
}

func samePolicy(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	xs, _ := json.Marshal(x) // maps marshal with sorted keys
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
