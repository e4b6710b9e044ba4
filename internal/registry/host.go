// Package registry makes sure ECR repositories exist with sane settings, reads
// pull-through cache rules and fetches login tokens, through the few ECR
// calls it declares.
package registry

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kamal-ecr/kamal-ecr/internal/imageref"
)

// Host is an ECR registry host and what it implies for API calls.
type Host struct {
	Name      string // e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com
	Account   string // the registryId
	Region    string // where API calls go
	FIPS      bool
	DualStack bool
}

var (
	hostPattern   = regexp.MustCompile(`^(\d{12})\.(dkr\.ecr|dkr\.ecr-fips|dkr-ecr|dkr-ecr-fips)\.([a-z0-9-]+)\.(amazonaws\.com|amazonaws\.com\.cn|on\.aws|on\.amazonwebservices\.com\.cn)$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
)

// ParseHost reads an ECR registry host in any of its forms: standard, China
// (.amazonaws.com.cn), FIPS (dkr.ecr-fips) and dual-stack (dkr-ecr…on.aws).
func ParseHost(s string) (Host, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "https://"), "http://"), "/")
	m := hostPattern.FindStringSubmatch(name)
	if m == nil || !ValidRegion(m[3]) {
		return Host{}, fmt.Errorf("%q is not an ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)", s)
	}
	dual := strings.HasPrefix(m[2], "dkr-ecr")
	if dual != strings.HasPrefix(m[4], "on.") {
		return Host{}, fmt.Errorf("%q mixes the standard and dual-stack ECR host forms", s)
	}
	return Host{Name: name, Account: m[1], Region: m[3], FIPS: strings.HasSuffix(m[2], "-fips"), DualStack: dual}, nil
}

// HostFor is the standard registry host of an account in a region.
func HostFor(account, region string) Host {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix += ".cn"
	}
	return Host{Name: fmt.Sprintf("%s.dkr.ecr.%s.%s", account, region, suffix), Account: account, Region: region}
}

// ValidRegion reports whether s looks like an AWS region (us-east-1, cn-north-1, us-gov-west-1).
func ValidRegion(s string) bool { return regionPattern.MatchString(s) }

// Partition is the ARN partition of the host's region.
func (h Host) Partition() string {
	switch {
	case strings.HasPrefix(h.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(h.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// URI is a repository's full URI, without a tag.
func (h Host) URI(repo string) string { return h.Name + "/" + repo }

// ARN is a repository's ARN, for IAM messages.
func (h Host) ARN(repo string) string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", h.Partition(), h.Region, h.Account, repo)
}

// ValidateName checks a repository name against ECR's rules before any call.
// The rules live in imageref, which checks every translated path by them.
func ValidateName(name string) error {
	if err := imageref.ValidRepository(name); err != nil {
		return fmt.Errorf("ECR repository name %q is invalid: %w", name, err)
	}
	return nil
}
