// Package iampolicy writes the smallest IAM identity policy for one run of
// kamal-ecr: each statement names the exact repositories a run touches and
// only the actions its inputs make it use.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Request is what a run touches, as the plan knows it.
type Request struct {
	Partition, Region, Account string

	Repos     []string // every repository ensured: app, cache, extra-repositories
	Kamal     []string // the repositories Kamal pushes to and its servers pull from: app and cache
	Lifecycle []string // repositories whose lifecycle policy the run may put
	Create    bool     // create-repositories: true
	Tags      bool     // repository-tags given: CreateRepository needs ecr:TagResource
	Token     bool     // GetAuthorizationToken: login, or images verified
	Discover  bool     // pull-through-cache: auto reads the rules
	Validate  bool     // a discovered rule with stored credentials is tested when a pull fails
	Prefixes  []string // pull-through prefixes that a translated image uses
	KMSKey    string   // with encryption-type KMS: the key's ARN, or "" for any key of the account and region
	KMS       bool
}

// Document is an IAM policy document.
type Document struct {
	Version   string
	Statement []Statement
}

// Statement allows Action on Resource.
type Statement struct {
	Sid      string
	Effect   string
	Action   []string
	Resource []string
}

// KamalActions are what `docker push` and `docker pull` call on a repository.
var KamalActions = []string{
	"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer",
	"ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
}

// PullThroughActions are what a first pull through the cache needs: ECR
// imports the image and creates the repository with the puller's rights.
var PullThroughActions = []string{"ecr:BatchGetImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:GetDownloadUrlForLayer"}

// Build writes the policy for r.
func Build(r Request) Document {
	d := Document{Version: "2012-10-17"}
	add := func(sid string, actions, resources []string) {
		if len(actions) > 0 && len(resources) > 0 {
			d.Statement = append(d.Statement, Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources})
		}
	}
	ensure := []string{"ecr:BatchCheckLayerAvailability", "ecr:DescribeRepositories"}
	if r.Create {
		ensure = append(ensure, "ecr:CreateRepository")
		if r.Tags {
			ensure = append(ensure, "ecr:TagResource")
		}
	}
	add("EnsureRepositories", sorted(ensure), r.arns(r.Repos))
	if r.Create {
		add("LifecyclePolicies", []string{"ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy"}, r.arns(r.Lifecycle))
	}
	add("KamalPushAndPull", KamalActions, r.arns(r.Kamal))
	var global []string
	if r.Token {
		global = append(global, "ecr:GetAuthorizationToken")
	}
	if r.Discover {
		global = append(global, "ecr:DescribePullThroughCacheRules")
	}
	if r.Validate && len(r.Prefixes) > 0 {
		global = append(global, "ecr:ValidatePullThroughCacheRule")
	}
	add("RegistryWide", sorted(global), []string{"*"}) // these actions take no resource ARN
	var cached []string
	for _, p := range r.Prefixes {
		name := p + "/*"
		if p == "*" { // a ROOT rule caches under every repository name
			name = "*"
		}
		cached = append(cached, r.arn(name))
	}
	add("PullThroughCache", PullThroughActions, sortedUnique(cached))
	if r.KMS && r.Create {
		key := r.KMSKey
		if key == "" {
			key = fmt.Sprintf("arn:%s:kms:%s:%s:key/*", r.Partition, r.Region, r.Account)
		}
		add("RepositoryEncryption", []string{"kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"}, []string{key})
	}
	return d
}

func (r Request) arn(name string) string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.Partition, r.Region, r.Account, name)
}

func (r Request) arns(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, r.arn(n))
	}
	return sortedUnique(out)
}

func sorted(s []string) []string { slices.Sort(s); return s }

func sortedUnique(s []string) []string { slices.Sort(s); return slices.Compact(s) }

// JSON is the document as IAM's console shows it: indented, in field order.
func (d Document) JSON() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(d)
	return b.Bytes()
}

// IsARN tells a key ARN from an alias or key ID, which IAM cannot name.
func IsARN(key string) bool { return strings.HasPrefix(key, "arn:") }
