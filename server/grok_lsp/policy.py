"""The numbers that decide when a request goes upstream, waits, is retried, and what is sent.

Each is used in one place (named beside it); they are gathered here so that what the server
does with the user's money and text can be read, and tuned, in one file.
"""

from __future__ import annotations

# The cost governor (governor.py) -------------------------------------------------------------
# A rate limit without `retry-after` pauses automatic completions for a doubling backoff.
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 60.0
# No pause is longer, whatever the API says: a `retry-after` of 999999999, an HTTP date far
# ahead, or milliseconds sent as seconds would pause for days.
MAX_PAUSE_S = 300.0
# Today's spend is saved at most this often (and when the server stops): a write on every
# answer cost about 0.5 ms of its path.
SAVE_EVERY_S = 5.0

# Completions (completions/, features/inline.py) ----------------------------------------------
# A stream whose editor requests were all cancelled lives this long for the next keystroke to
# adopt; VS Code cancels and re-asks on every keystroke, well within it.
ORPHAN_GRACE_S = 0.5
# A stream silent for longer has been joined by keystrokes it knows nothing of (on a slow
# server, nine joined one request made for the first key): past this, ask for what is typed.
SILENT_JOIN_S = 1.0
TYPEAHEAD_ENTRIES = 4  # finished suggestions remembered per document
FOLLOWING_LINES = 6  # lines after the cursor's line, to trim a suggestion that repeats them

# Code actions (codeactions/) -----------------------------------------------------------------
# A code action is something the user asked for and waits on: retryable failures (rate
# limits, 5xx, timeouts, cut streams) are retried this many times, honouring `retry-after`.
ACTION_RETRIES = 2
ACTION_MAX_BACKOFF_S = 8.0
FIX_CONTEXT_LINES = 2  # lines around a diagnostic (or the line to fix) the model may rewrite
EXPLAIN_CONTEXT_LINES = 3  # lines around a diagnostic shown with it to explain it

# What is sent (documents/sending.py) ----------------------------------------------------------
MAX_DOCUMENT_CHARS = 4_000_000  # larger files are not sent at all
BINARY_PROBE_CHARS = 8192  # a NUL byte in the first this-many characters marks a binary file
