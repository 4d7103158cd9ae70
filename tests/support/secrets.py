"""What the tests of excluded files share."""

MARKER = "only_in_the_excluded_file_4711"  # found in a prompt: an excluded file was sent
