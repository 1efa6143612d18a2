"""The Gradio chat face of `rag`: layout (ui), handlers, rendering (render); run it with `python -m app`."""
