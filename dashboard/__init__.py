"""What the pages share: URL-bound controls, job controls and the live fragment, figures, theme."""
