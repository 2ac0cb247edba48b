"""`python -m llmrouter`: the same as the `llmrouter` command."""

import sys

from llmrouter.cli import main

sys.exit(main())
