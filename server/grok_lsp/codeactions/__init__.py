"""Code actions: "Grok: fix", "Grok: refactor", "Grok: explain", from the lightbulb to the edit."""
