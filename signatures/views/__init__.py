"""HTML pages of the signatures app: the client's signing page and verification."""
