"""GCP: recognise exports, read the estate, and build its trust edges."""
