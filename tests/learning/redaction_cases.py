"""Realistic free text from social-care near-miss reports, with the details a reviewer redacts.

Written for this project (every person, number and address is invented: phone numbers are in
Ofcom's drama ranges, NHS numbers in the 999 test range). Each case lists its expected spans in
the order they occur, as (kind, exact text). Some sentences have nothing to redact and some
hold traps: Room 12, the Lounge, GP, Warfarin, Monday, the 10:30 round, the incident's own
date, a 10-digit batch number that fails the NHS check, "Rose Lane" the place.

The same person wrote these cases and the rules, so the figures measured on them are a
ceiling: expect lower recall on real reports, names above all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from learning.redaction import Span

# Cases are judged as of this day, so "more than 16 years ago" does not drift as years pass.
TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Case:
    text: str
    expected: tuple[tuple[str, str], ...] = ()

    def spans(self) -> list[Span]:
        """The expected spans with their positions, each found after the one before."""
        spans, position = [], 0
        for kind, words in self.expected:
            start = self.text.index(words, position)
            spans.append(Span(start, start + len(words), kind, words))
            position = start + len(words)
        return spans


CASES: tuple[Case, ...] = (
    # Medication rounds
    Case("Mrs Jones was nearly given Mr Smith's 8am tablets on the morning round.",
         (("name", "Mrs Jones"), ("name", "Mr Smith"))),
    Case("Warfarin dose on the MAR did not match the GP letter; caught at the second check."),
    Case("Rose was nearly given a second dose of Paracetamol at the 10:30 round.",
         (("name", "Rose"),)),
    Case("Sister Agnes stopped the agency nurse giving insulin before the blood sugar check.",
         (("name", "Sister Agnes"),)),
    Case("Dr Chaudhry changed the dose by phone but the MAR was not updated.",
         (("name", "Dr Chaudhry"),)),
    Case("Miss Begum's thickener was prescribed at stage 2 but the jug was made at stage 1.",
         (("name", "Miss Begum"),)),
    Case("Zofia reported that the Metformin blister pack for Room 9 had two days missing.",
         (("name", "Zofia"),)),
    Case("Grace told Nurse Adams that she felt dizzy after the new Amlodipine.",
         (("name", "Grace"), ("name", "Nurse Adams"))),
    Case("He gave Keith the Lorazepam from the controlled drugs cupboard without a second "
         "signature.", (("name", "Keith"),)),
    Case("Chloe and Amir swapped the 2pm medication round without telling the senior.",
         (("name", "Chloe"), ("name", "Amir"))),
    Case("Someone wrote the pharmacy number 01632 960 001 on the MAR instead of the dose.",
         (("phone", "01632 960 001"),)),
    Case("Pharmacy batch 4829301756 was recalled, so we checked every box in the cupboard."),
    Case("gave mrs brown her insulin late because the diabetic nurse was delayed",
         (("name", "mrs brown"),)),
    Case("Nurse said the Oramorph balance in the CD book was out by 5ml after the night shift."),
    # Falls, hoists and moving
    Case("Found Doris on the floor of Room 12 at 03:40, no injury, hoisted with two staff.",
         (("name", "Doris"),)),
    Case("During handover on Monday, Priya noticed the wrong sling size for Mr Okafor.",
         (("name", "Priya"), ("name", "Mr Okafor"))),
    Case("Olufemi Adeyemi slipped on the wet floor near the Kitchen but the handrail stopped "
         "the fall.", (("name", "Olufemi Adeyemi"),)),
    Case("Hoist checks were overdue in June; Mark booked the engineer for the next day.",
         (("name", "Mark"),)),
    Case("In May the hoist service was overdue and nobody had booked it."),
    Case("Checked the hoist sling label against the care plan: medium, not large, for Bernard.",
         (("name", "Bernard"),)),
    Case("The falls sensor in Room 7 was unplugged during cleaning on Tuesday."),
    Case("Bed 2 pressure mattress deflated overnight; Callum noticed at the 06:00 turn.",
         (("name", "Callum"),)),
    Case("The near miss happened on 03/11/2026 in the Lounge after lunch."),
    Case("Zbigniew nearly stood up from the commode without his frame while staff were "
         "fetching the hoist.", (("name", "Zbigniew"),)),
    # Handovers and records
    Case("Mr Patel, DOB 12/03/1941, was nearly sent to hospital with the wrong transfer form.",
         (("name", "Mr Patel"), ("date_of_birth", "12/03/1941"))),
    Case("Born 4th Feb 1938, Mrs Evans has a DNACPR that was missing from the grab sheet.",
         (("date_of_birth", "4th Feb 1938"), ("name", "Mrs Evans"))),
    Case("Agnes Morrison, born 22 September 1936, nearly choked because the IDDSI level on "
         "her sandwich was wrong.",
         (("name", "Agnes Morrison"), ("date_of_birth", "22 September 1936"))),
    Case("He was admitted on 14/10/2026 and his DOB is 02/07/1952, but the wristband said 1953.",
         (("date_of_birth", "02/07/1952"),)),
    Case("Date of birth on the blood form read 15.08.1944 but Mrs Davies was born in 1947.",
         (("date_of_birth", "15.08.1944"), ("name", "Mrs Davies"))),
    Case("Wrong NHS number on the hospital passport: 999 906 9584 belongs to another resident.",
         (("nhs_number", "999 906 9584"),)),
    Case("The GP surgery had her NHS number as 9994205552 and ours said 999-525-5944.",
         (("nhs_number", "9994205552"), ("nhs_number", "999-525-5944"))),
    Case("The care plan dated 12/01/2009 had never been reviewed, so the bed rail assessment "
         "was out of date."),
    Case("Staff member Siobhan O'Neill noticed the fridge temperature was 11 degrees.",
         (("name", "Siobhan O'Neill"),)),
    Case("Ahmed Khan's epilepsy rescue medication was not in the bag for the day trip.",
         (("name", "Ahmed Khan"),)),
    Case("The agency worker did not know the fire assembly point at the front of the building."),
    Case("The lift at Oak Lodge stopped between floors with a resident in a wheelchair."),
    # Community visits
    Case("Rang her daughter on 07700 900123 to let her know about the near fall.",
         (("phone", "07700 900123"),)),
    Case("Visit to 14 Elm Road, Leeds LS6 2AB: the key safe code was written on the door.",
         (("address", "14 Elm Road, Leeds LS6 2AB"),)),
    Case("Rose Lane day centre rang to say the minibus ramp was faulty."),
    Case("Community visit: Mr Hughes at 3 Station Road had left the gas hob on.",
         (("name", "Mr Hughes"), ("address", "3 Station Road"))),
    Case("Call the out-of-hours GP on 0113 496 0123 if the pump alarms again.",
         (("phone", "0113 496 0123"),)),
    Case("Please ring Lauren on 07700 900456 or the office on 020 7946 0321 about the key.",
         (("name", "Lauren"), ("phone", "07700 900456"), ("phone", "020 7946 0321"))),
    Case("Two carers were booked for the 7:45 call to 58 Victoria Street but only one arrived.",
         (("address", "58 Victoria Street"),)),
    Case("A visitor let Mr Williams out; staff found him at the bus stop on Church Street.",
         (("name", "Mr Williams"),)),
    Case("Address on the discharge letter was 9 Mill Lane, Bangor LL57 2DG but she lives in "
         "Flat 3 at the scheme.", (("address", "9 Mill Lane, Bangor LL57 2DG"),)),
    Case("At 16 Queen's Crescent the carer found the front door unlocked and Mr O'Connor "
         "confused.", (("address", "16 Queen's Crescent"), ("name", "Mr O'Connor"))),
    Case("Ring Anita Sharma's son on +44 7700 900789 before the hospital appointment.",
         (("name", "Anita Sharma"), ("phone", "+44 7700 900789"))),
    Case("The number written as 0161 496 0742 in the folder turned out to be the old surgery.",
         (("phone", "0161 496 0742"),)),
    # Children's placements
    Case("Child placed with foster carers at 27 Hawthorn Close, CF14 3LX, was nearly "
         "collected by an unapproved adult.", (("address", "27 Hawthorn Close, CF14 3LX"),)),
    Case("Kayden (D.O.B. 09.06.12) ran from the placement at 21:00 and was found at the park.",
         (("name", "Kayden"), ("date_of_birth", "09.06.12"))),
    Case("Mum rang to say Leo had been given his inhaler at school and again at home.",
         (("name", "Leo"),)),
    Case("Tom's bath water was 46 degrees; Jade checked it with the thermometer first.",
         (("name", "Tom"), ("name", "Jade"))),
    Case("Young person's social worker, Ms Thompson, was not told about the contact change.",
         (("name", "Ms Thompson"),)),
    Case("Jack's EpiPen was out of date, found during the Sunday audit.", (("name", "Jack"),)),
    Case("Harrison (aged 9, DOB 14/02/2017) was nearly given his brother's melatonin.",
         (("name", "Harrison"), ("date_of_birth", "14/02/2017"))),
    Case("Liam's foster carer, Mrs Kowalski, gave him the wrong dose of Methylphenidate.",
         (("name", "Liam"), ("name", "Mrs Kowalski"))),
    Case("The school taxi left before the escort arrived; the driver has been spoken to."),
    # Written after the rules, as a check on them
    Case("Night staff Jen and Kofi found the sensor mat switched off in Room 3.",
         (("name", "Jen"), ("name", "Kofi"))),
    Case("Mrs. Hall's hearing aid battery was flat so she missed the fire alarm test.",
         (("name", "Mrs. Hall"),)),
    Case("Spoke to Pat at the pharmacy about the missing Sertraline.", (("name", "Pat"),)),
    Case("Okafor's daughter said the wheelchair brakes were not working.",
         (("name", "Okafor"),)),
    Case("Her birthday is 3rd April 1950 and the cake had nuts in it despite her allergy.",
         (("date_of_birth", "3rd April 1950"),)),
    Case("The new starter, Marcus, did the round alone on Friday.", (("name", "Marcus"),)),
    Case("Resident from 22a Park Avenue, Cardiff CF23 5AB was sent home with the wrong bag.",
         (("address", "22a Park Avenue, Cardiff CF23 5AB"),)),
    Case("Tel 07700 900999 is the only contact for her son Daniel, who lives abroad.",
         (("phone", "07700 900999"), ("name", "Daniel"))),
    Case("May said the shower was too hot before she got in.", (("name", "May"),)),
    Case("Will Turner from the agency did not sign the MAR.", (("name", "Will Turner"),)),
)
