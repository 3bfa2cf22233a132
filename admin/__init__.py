"""Admin panel (FastAPI + SQLAdmin): arrives with the admin issue."""
