"""A pattern's label: words its reports share, never a person's name or number."""

from __future__ import annotations

from learning.labels import cluster_label

DOOR = [
    "Agency carer arrived for the night shift and had not been given the door code, waited "
    "outside. Mrs Jones's daughter let her in.",
    "New agency worker couldnt get in, nobody told her the door code for the front door. "
    "Priya rang on call on 07700 900123.",
    "agency staff locked out at 7am, no door code given to them by the agency. Called "
    "Siobhan O'Neill at 14 Elm Road.",
    "Bank staff had no key safe code so could not get into Priya's flat, MAR not done on time.",
]
OTHERS = [
    "Kettle in the kitchen has a frayed flex, taken out of use.",
    "Resident nearly slipped on wet floor in bathroom after shower, caught by staff.",
    "PRN paracetamol given without the MAR signed, on call informed.",
    "Fridge in kitchen temp reading 9 degrees, food moved to the other fridge.",
]


def test_the_label_is_what_the_members_share_and_others_do_not() -> None:
    label = cluster_label(DOOR, OTHERS)
    terms = label.split(", ")
    assert terms[0] == "door code" and "agency" in terms
    assert len(terms) <= 4 and "kitchen" not in label


def test_no_name_number_or_address_reaches_the_label() -> None:
    # Every member names someone; two share "Priya", which would otherwise score.
    label = cluster_label(DOOR, OTHERS, words=20).lower()
    for private in ("jones", "priya", "siobhan", "o'neill", "07700", "elm", "road", "name"):
        assert private not in label, label


def test_a_name_the_marks_miss_but_written_with_a_capital_is_left_out() -> None:
    members = ["Fell by the lift, Bartholomew helped him up.", "Near fall at the lift door, "
               "Bartholomew was there.", "Tripped at the lift, Bartholomew caught him."]
    label = cluster_label(members, OTHERS, words=10)
    assert "lift" in label and "bartholomew" not in label.lower()


def test_abbreviations_stay_and_read_in_capitals() -> None:
    members = ["PRN given twice, MAR not signed after the first dose.",
               "MAR chart blank for PRN lorazepam, second dose nearly given.",
               "PRN paracetamol not recorded on MAR, colleague almost gave it again."]
    terms = cluster_label(members, OTHERS[:2]).split(", ")
    assert "PRN" in terms and "MAR" in terms


def test_stop_words_and_filler_do_not_make_a_label() -> None:
    members = ["The resident was in the room with staff.", "Staff and the resident were there.",
               "A resident and staff were in the room at the time."]
    assert cluster_label(members, OTHERS) == "room"
    assert cluster_label(members, OTHERS[:1] + ["Room 4 door left open."] * 3) == ""


def test_nothing_shared_gives_an_empty_label() -> None:
    assert cluster_label([OTHERS[0], OTHERS[1], DOOR[3]], DOOR[:3]) == ""
    assert cluster_label([], OTHERS) == ""
    assert cluster_label(DOOR[:1], []) == ""


def test_a_word_and_its_plural_are_shown_once() -> None:
    members = ["The new sling was the wrong size.", "Slings in the cupboard have new colours.",
               "Sling colour does not match the care plan.", "Two slings mixed up again."]
    terms = cluster_label(members, OTHERS, words=6).split(", ")
    assert sum(term in {"sling", "slings"} for term in terms) == 1, terms
