"""What the tests share, and the benchmarks with them: the LSP client that drives a real
grok-lsp process (`lsp`), the editors' capability profiles (`profiles`), the emulator as tests
read it (`emulator`), and the texts, requests and fakes several test modules use. Test modules
import from here and from `tests/conftest.py` (the fixtures), never from each other."""
