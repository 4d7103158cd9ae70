"""The editor's open documents as the server keeps them, and which of them may be sent."""
