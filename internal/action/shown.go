package action

// hiddenPath stands for a pull-through path built from a secret: any part
// of it may be the secret.
const hiddenPath = "(not shown: the image is read from a secret)"

// hiddenNote stands for a note about a reference read from a secret: notes
// quote the reference's host or path.
const hiddenNote = "details not shown: the image is read from a secret"

// Secret reports whether the reference renders a secret-looking variable:
// messages show its ERB source, never the value nor anything made from it.
func (s Source) Secret() bool { return s.shown != "" && s.shown != s.Ref }

// ShownRef is the reference as a message may show it.
func (s Source) ShownRef() string {
	if s.Secret() {
		return s.shown
	}
	return s.Ref
}

// ShownOutput is the pull-through path as a message may show it.
func (t Translation) ShownOutput() string {
	switch {
	case !t.Secret():
		return t.Output
	case t.Output == t.Ref:
		return t.shown
	}
	return hiddenPath
}

// ShownNote is the note as a message may show it.
func (t Translation) ShownNote() string { return t.shownText(t.Note) }

// shownText is a note or warning about the source as a message may show it.
func (s Source) shownText(note string) string {
	if s.Secret() && note != "" {
		return hiddenNote
	}
	return note
}
