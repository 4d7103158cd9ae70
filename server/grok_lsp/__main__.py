import sys

from grok_lsp.cli import main

sys.exit(main())
