package kamal

import "testing"

func TestMergeOptions(t *testing.T) {
	ecr := ECROptions("")
	for _, tt := range []struct {
		in, mode, want string
	}{
		{"", "", "image-manifest=true,oci-mediatypes=true"},
		{"", "max", "mode=max,image-manifest=true,oci-mediatypes=true"},
		{"mode=max", "", "mode=max,image-manifest=true,oci-mediatypes=true"},
		{"mode=max", "min", "mode=min,image-manifest=true,oci-mediatypes=true"},
		{"compression=zstd,oci-mediatypes=false,mode=max", "", "compression=zstd,oci-mediatypes=true,mode=max,image-manifest=true"},
		{"image-manifest=true,oci-mediatypes=true", "", "image-manifest=true,oci-mediatypes=true"},
		{"mode=max,image-manifest=false,mode=min,image-manifest=true", "", "mode=min,image-manifest=true,oci-mediatypes=true"},
		{" mode=max , ignore-error ", "", "mode=max,ignore-error,image-manifest=true,oci-mediatypes=true"},
	} {
		want := ecr
		if tt.mode != "" {
			want = ECROptions(tt.mode)
		}
		if got := MergeOptions(tt.in, want); got != tt.want {
			t.Errorf("MergeOptions(%q, mode %q) = %q, want %q", tt.in, tt.mode, got, tt.want)
		}
		if got := MergeOptions(tt.in, want); !HasECROptions(got) {
			t.Errorf("%q lacks the ECR options", got)
		}
	}
}

func TestHasECROptions(t *testing.T) {
	for in, want := range map[string]bool{
		"image-manifest=true,oci-mediatypes=true":                      true,
		"mode=max,oci-mediatypes=true,image-manifest=true":             true,
		"image-manifest=true":                                          false,
		"image-manifest=true,oci-mediatypes=true,oci-mediatypes=false": false,
		"": false,
	} {
		if got := HasECROptions(in); got != want {
			t.Errorf("HasECROptions(%q) = %v", in, got)
		}
	}
}
