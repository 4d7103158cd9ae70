"""Real editing sessions replayed through a real grok-lsp process, as VS Code drives it
(`python -m bench.replay`), and the next-edit replay (`python -m bench.replay.nextedit`):

- `script.py`: the sessions, each turned into the edits and keystrokes that type it;
- `session.py`: one session typed into the server, its ghost text and accepts counted;
- `configuration.py`: one server configuration, the sessions one after the other in it;
- `emulator.py`: what the in-process emulator's prefix cache saw, request by request;
- `results.py`, `report.py`, `targets.py`: the figures, the report, the targets checked.
"""
