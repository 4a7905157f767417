"""The edges: inbox, ingest, outputs, letters and PDF, the state store."""
