"""Render stage, interactive: the Streamlit explorer's pages, loaders and graph view."""
