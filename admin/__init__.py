"""The web admin panel (FastAPI + SQLAdmin): reviewers and administrators curate reports,
agree and track actions, see patterns and figures, send bulletins, and export evidence; every
page checks the signed-in person's role and teams on the server."""
