package inputs

import (
	"fmt"
	"strconv"
	"strings"
)

// maxValue bounds any input's value: inputs are names, numbers and short
// lists; a larger value is a mistake, and a path that long cannot be opened.
const maxValue = 64 << 10

// Check says what is wrong with v for this input, or "" when it is right.
// v is the value as given, spaces around it trimmed.
func (in Input) Check(v string) string {
	limit := maxValue
	if in.MaxLen > 0 {
		limit = in.MaxLen
	}
	if len(v) > limit {
		return fmt.Sprintf("is %d bytes long; the longest accepted is %d", len(v), limit)
	}
	switch in.Kind {
	case Bool:
		if _, ok := ParseBool(v); !ok {
			return fmt.Sprintf("%q is not true or false", v)
		}
	case Int:
		if n, err := strconv.Atoi(v); err != nil || n < in.Min || n > in.Max {
			return fmt.Sprintf("%q is not a whole number from %d to %d", v, in.Min, in.Max)
		}
	case Enum:
		if _, ok := in.EnumValue(v); !ok {
			return fmt.Sprintf("%q is not %s", v, orList(in.Values))
		}
	}
	return ""
}

// ParseBool reads true or false, in any case.
func ParseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// EnumValue is v as the table writes it, when it is one of the values.
func (in Input) EnumValue(v string) (string, bool) {
	for _, a := range in.Values {
		if strings.EqualFold(v, a) {
			return a, true
		}
	}
	return "", false
}

// orList is "A or B", or "A, B or C", leaving out the empty value.
func orList(values []string) string {
	var vs []string
	for _, v := range values {
		if v != "" {
			vs = append(vs, v)
		}
	}
	if len(vs) == 1 {
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// Split reads a list input the same way for every list: items one per line
// or separated by commas, blanks and # comment lines dropped.
func Split(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for item := range strings.SplitSeq(l, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
