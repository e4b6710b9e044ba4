package kamal

import (
	"regexp"
	"testing"
)

// kamalConfigMessage matches Kamal's configuration refusals; every other
// error in KAMAL.tsv comes from running the config's Ruby (ERB, git, files).
var kamalConfigMessage = regexp.MustCompile(`^(?:[\w./-]+: )?(?:unknown keys?: |should be |is required$|Builder arch not set|Invalid cache type|specify one of|unknown roles? |multiple hosts found|tags are only allowed|Must set a host|Specify one of|Missing (?:private_key|certificate)_pem|Cannot |invalid label|Invalid alias|Alias '|buildpacks only)|^Missing required configuration for |^No servers |^You must specify a destination$|^The primary_role |^Must retain|^Service name can only|^Current version is|^SSL is only supported|^Different roles|^Local registry with remote builder|^Invalid hooks_output`)

// rubyValued are the corpus rows Kamal refuses over a value that only
// running the config's Ruby gives, which the action does not guess.
var rubyValued = map[string]string{
	"imorales-msofti__ruby-kamal-deploy/staging": "env.clear.KAMAL_VERSION comes from backticks (git rev-parse); Kamal saw it empty",
	"cedarcode__mi_carrera/":                     "registry.password comes from %x(aws ecr get-login-password); Kamal ran it without the AWS CLI and saw it empty",
	"cedarcode__mi_carrera/production":           "registry.password comes from %x(aws ecr get-login-password); Kamal ran it without the AWS CLI and saw it empty",
	"cedarcode__mi_carrera/staging":              "registry.password comes from %x(aws ecr get-login-password); Kamal ran it without the AWS CLI and saw it empty",
	"justinpaulson__kamal-napper/":               "registry.password comes from %x(aws … ecr get-login-password); Kamal ran it without the AWS CLI and saw it empty",
}

// Kamal 2.12's own verdict on every corpus config: each one it accepts
// passes, each one it refuses for its configuration is refused with the same
// message first.
func TestValidateMatchesKamal(t *testing.T) {
	accepted, refused := 0, 0
	for _, r := range readCorpus(t) {
		id := r.dir + "/" + r.destination
		t.Run(id, func(t *testing.T) {
			c, err := loadCorpus(r.dir, r.config, r.destination)
			if err != nil {
				if r.valid == "true" || kamalConfigMessage.MatchString(r.err) {
					t.Fatalf("Load: %v; Kamal: %s", err, r.err)
				}
				t.Skipf("not loaded (%v); Kamal failed running the config's Ruby: %s", err, r.err)
			}
			got := c.Validate()
			switch {
			case r.valid == "true":
				accepted++
				for _, p := range got.Problems {
					t.Errorf("Kamal accepts this config, the action refuses it: %v", p)
				}
			case !kamalConfigMessage.MatchString(r.err):
				t.Logf("Kamal failed running the config's Ruby (%s); not a configuration message", r.err)
			case rubyValued[id] != "":
				if got.Skipped == nil {
					t.Errorf("no note that checks were skipped; problems %v", got.Problems)
				}
				for _, p := range got.Problems {
					if p.Msg == r.err {
						t.Errorf("the action guessed the value Ruby computes: %v", p)
					}
				}
				t.Logf("left out: %s", rubyValued[id])
			default:
				refused++
				if len(got.Problems) == 0 {
					t.Fatalf("Kamal refuses it (%s); the action found nothing", r.err)
				}
				if got.Problems[0].Msg != r.err {
					t.Errorf("first problem %q; Kamal says %q", got.Problems[0].Msg, r.err)
				}
			}
		})
	}
	t.Logf("%d accepted rows pass, %d refused rows refused with Kamal's message", accepted, refused)
}
