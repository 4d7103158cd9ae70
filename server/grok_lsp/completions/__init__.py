"""Inline completions, from the keystroke to the suggestion: in flight, cut, cleaned, shown."""
