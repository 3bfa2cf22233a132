"""Reports for the pattern pass's tests: one hazard in different words, and unrelated events."""

from __future__ import annotations

# The same hazard (agency staff not given the door code), differently worded each time, with
# a category of its own each time.
DOOR_CODE = [
    ("Agency carer had not been given the door code and propped the front door open; a "
     "resident nearly walked out.", "Night nurse saw it and shut the door.", "safeguarding"),
    ("New agency worker didn't know the keypad code so the front door was wedged open, SU "
     "almost left the building.", "Spotted by the cook, door closed.", "environment"),
    ("Agency staff not told the door code, left the main entrance propped open and a "
     "resident nearly went outside.", "I noticed and brought her back in.", "other"),
    ("Another agency carer without the door code propped the front door open; resident "
     "nearly got out.", "Shut by the manager.", "safeguarding"),
]
# Unrelated near misses that share a category and a place.
UNRELATED = [
    ("Kettle cable trailing across the worktop, nearly pulled it over.",
     "Moved the kettle back.", "environment"),
    ("Wet floor in the corridor after mopping with no sign up.", "Put the sign out.",
     "environment"),
    ("Wheelchair footplate broken, nearly caught a resident's ankle.",
     "Took the chair out of use.", "environment"),
]
# Words of the reports a group must never hear.
WORKERS_WORDS = ("agency", "code", "door", "propped", "kettle", "keypad", "wedged", "nurse")
