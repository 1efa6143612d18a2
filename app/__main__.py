"""`python -m app`: serve the chat on http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT)."""

from .server import main

raise SystemExit(main())
