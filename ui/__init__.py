"""Streamlit helpers shared between pages (mlp_core never imports streamlit; this package does)."""
