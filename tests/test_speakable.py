from __future__ import annotations

import time
from pathlib import Path

import pytest

from knotvoice.knowledge import load
from knotvoice.speech.reply import did_you_mean, spoken_answer, spoken_question
from knotvoice.speech.speakable import speakable
from marked import marked_faq


def test_numbered_lists_read_as_a_list() -> None:
    text = "Treatment\n\n  1. Rest. Allow your body to rest.\n  2. Stretch.\n  3. Hot and cold therapy."
    assert speakable(text) == (
        "Treatment. First, rest. Allow your body to rest. Second, stretch. "
        "Third, hot and cold therapy."
    )


def test_a_lists_lead_in_reads_on_into_its_items() -> None:
    """ "We can offer:" was read "We can offer." and each item a sentence of its own: a
    listener heard "We can offer." as a finished thought (espeak-ng reads a colon with a
    full stop's falling tone too). The lead-in now goes on into the list with a comma's
    rising pause, and short items are read in a run, "a, b and c", as a person reads them."""
    assert speakable(
        "We can offer:\n- Vegetarian dishes\n- Halal meals\n- Gluten-free options"
    ) == ("We can offer, vegetarian dishes, halal meals and gluten-free options.")
    assert (
        speakable(
            "All of them have:\n\n* A roll-in shower\n* Grab rails by the toilet\n* An emergency cord"
        )
        == "All of them have, a roll-in shower, grab rails by the toilet and an emergency cord."
    )
    # Items with a label: the label's colon a comma, the items set apart by semicolons.
    assert speakable(
        "Breakfast is served in the Harbour Room:\n"
        "- Monday to Friday: 6:30am to 10am\n- Weekends: 7am to 11am"
    ) == (
        "Breakfast is served in the Harbour Room, Monday to Friday, 6:30am to 10am; "
        "and weekends, 7am to 11am."
    )
    # A short numbered list too; items written with stops and commas, and one that opens
    # with "or", are still phrases of one run.
    assert speakable("To book:\n1. Go online\n2. Pick a date\n3. Pay by card") == (
        "To book, go online, pick a date and pay by card."
    )
    assert speakable("You may bring:\n- a packed lunch,\n- a bottle of water,\n- a friend.") == (
        "You may bring, a packed lunch, a bottle of water and a friend."
    )
    assert speakable("Booking:\n\n- Call us.\n- Or come by.") == "Booking, call us, or come by."
    # Brackets are read as pauses too: semicolons set such items apart.
    assert speakable("We have:\n- Free wifi\n- Parking (24 spaces)\n- A lift") == (
        "We have, free wifi; parking, 24 spaces; and a lift."
    )
    # A lead-in before a line of no list goes on into it as well.
    assert speakable("Please note:\nThe pool closes at 5pm.") == (
        "Please note, the pool closes at 5pm."
    )


def test_a_list_item_keeps_the_capital_of_a_name() -> None:
    """Only a first word with its capital for opening a sentence is said in lower case
    within the list's sentence; "1. NHS 111" was read "First, nHS 111"."""
    assert speakable(
        "Ask at:\n- NHS walk-in centres\n- Harbour Room reception\n- Monday's drop-in\n"
        "- Mon-Fri desk"
    ) == (
        "Ask at, NHS walk-in centres, Harbour Room reception, Monday's drop-in and Monday to "
        "Friday desk."
    )
    assert speakable("1. NHS staff will tell you where to go. Ask them.\n2. I will call back.") == (
        "First, NHS staff will tell you where to go. Ask them. Second, I will call back."
    )


def test_a_list_of_long_items_is_read_item_by_item() -> None:
    """Items that are sentences of their own, or too long to hold in a run, stay
    sentences (numbered ones after their ordinals); the lead-in still goes on into them."""
    assert speakable(
        "You can:\n- Take a taxi from reception. It takes about 10 minutes.\n"
        "- Walk along the harbour\n- Take the number 4 bus"
    ) == (
        "You can, take a taxi from reception. It takes about 10 minutes. Walk along the "
        "harbour. Take the number 4 bus."
    )
    assert speakable(
        "Like this:\n1. Fill in the form at reception with your name, address and date of "
        "birth\n2. Bring photo ID"
    ) == (
        "Like this, first, fill in the form at reception with your name, address and date of "
        "birth. Second, bring photo ID."
    )


def test_curly_quotes_and_symbols_are_not_spoken() -> None:
    text = "\u201cGenerally, trigger points are not harmful,\u201d he says. Use heat and/or ice & rest."
    spoken = speakable(text)
    assert spoken == "Generally, trigger points are not harmful, he says. Use heat or ice and rest."
    assert not set(spoken) & set("\u201c\u201d\u2018\u2019/&*#")


def test_control_characters_are_not_spoken() -> None:
    # Home Assistant speaks any agent's reply here: a terminal's colour code was read
    # "31 metres", and a zero ended the text espeak-ng was handed ("hello" alone was said).
    assert speakable("\x1b[31mWarning:\x1b[0m the lift is out") == "Warning: the lift is out."
    assert speakable("hello\x00 world\x07, again") == "hello world, again."
    assert speakable("first line\r\nsecond\tline") == speakable("first line\nsecond line")
    # Those that end a line are a line's end (Word's line break within a paragraph).
    for end in "\x0b\x0c\x1c\x1d\x1e\x85":
        assert (
            speakable(f"Opening hours:{end}Monday to Friday") == "Opening hours, Monday to Friday."
        )
    assert speakable("a\x1b hello") == "a hello."


def test_dashes_and_brackets_become_pauses() -> None:
    assert speakable("work too much\u2013it means a (chronic) pain") == (
        "work too much, it means a, chronic, pain."
    )


def test_ranges_read_with_to() -> None:
    assert speakable("Open 9\u20135, Monday\u2013Friday. Ages 3-12, 9:00-17:00.") == (
        "Open 9 to 5, Monday to Friday. Ages 3 to 12, 9 o'clock to 5pm."
    )
    # Phone numbers and dates are not ranges.
    assert speakable("Call 0123-456789 by 2027-05-01") == (
        "Call 0 1 2 3, 4 5 6 7 8 9 by first May 2027."
    )
    # am and pm on either side, or a dot for the colon, keep it a range (and a time).
    assert speakable("Open 9:30am\u20134:30pm, 8am-5pm, 9am - 5pm.") == (
        "Open 9:30am to 4:30pm, 8am to 5pm, 9am to 5pm."
    )
    assert speakable("Last entry 10.15am.") == "Last entry 10:15am."


def test_ranges_of_longer_numbers_read_with_to() -> None:
    """Numbers of three digits or more kept their dash ("Rooms 101-105"), read as a minus."""
    assert speakable("Rooms 101-105, pages 100\u2013250, 95-110 seats, 1,000-2,000 people.") == (
        "Rooms 101 to 105, pages 100 to 250, 95 to 110 seats, 1,000 to 2,000 people."
    )
    assert speakable("Built 1990-1995.") == "Built 1990 to 1995."
    # Numbers to dial, dates, codes and a dash with spaces around it are no ranges.
    for kept in ("555-1234", "12-34-56", "3000-200", "B101-B105", "101 - 105"):
        assert speakable(f"Use {kept} today.") == f"Use {kept} today."
    assert speakable("Call 0161-496-0000 on 2026-12-01.") == (
        "Call 0 1 6 1, 4 9 6, 0 0 0 0 on first December 2026."
    )
    # A local number to dial whose second half happens to be the larger.
    for said in ("For lost property call 2345-6789.", "Phone 1234-5678 to book a seat."):
        assert speakable(said) == said
    assert speakable("Call about rooms 101-105.") == "Call about rooms 101 to 105."


def test_addresses_read_as_addresses() -> None:
    assert speakable("Write to info@example.com or see https://example.com/hours.") == (
        "Write to info at example.com or see example.com slash hours."
    )
    assert speakable("Book at www.example.org.") == "Book at example.org."


def test_web_addresses_are_read_without_www() -> None:
    """ "www." was read "double-u double-u double-u dot", which a person reading an address
    aloud leaves out; espeak-ng says the dots left "dot" ("anchorhousehotel dot co dot uk")."""
    assert speakable(
        "Buy one at https://www.anchorhousehotel.co.uk/vouchers or WWW.Example.org, or ask "
        "stay@anchorhousehotel.co.uk."
    ) == (
        "Buy one at anchorhousehotel.co.uk slash vouchers or Example.org, or ask "
        "stay at anchorhousehotel.co.uk."
    )


def test_bullets_bold_and_emoji_are_not_spoken() -> None:
    assert speakable("Bring:\n- your receipt\n- a photo ID \U0001f4f7") == (
        "Bring, your receipt and a photo ID."
    )
    assert speakable("**Can I get a refund?**") == "Can I get a refund?"
    assert speakable("Ground floor \U0001f60a\ufe0f") == "Ground floor."


def test_words_in_bold_or_italics_are_read_as_without_their_marks() -> None:
    """Read as the screen shows them: a phone number or a list's first word in emphasis was
    read as if its marks were part of it ("0300 123 2323" as a number, "First, Bring")."""
    assert speakable("**Call** _0300 123 2323_ or ***Bring ID***") == (
        "Call 0 3 0 0, 1 2 3, 2 3 2 3 or Bring ID."
    )
    assert speakable("1. **Bring** your ID") == "First, bring your ID."


def test_headings_footnotes_and_escaped_marks_are_read_without_their_marks() -> None:
    """Read as the screen shows them: a heading a sentence of its own, a footnote its text,
    an escaped mark without its backslash; no "#", "*" or backslash said."""
    assert speakable("# Opening hours\nOpen 9 to 5 every day*\n* except bank holidays") == (
        "Opening hours. Open 9 to 5 every day. Except bank holidays."
    )
    assert speakable("## Prices ##\n1\\. Adults \\*members\\* £5") == (
        "Prices. 1. Adults members 5 pounds."
    )
    assert speakable("Room #4 is our #1 choice.") == "Room number 4 is our number 1 choice."


def test_codes_to_dial_and_a_star_between_numbers_are_read_as_said() -> None:
    """A code to dial lost its keys ("Dial *123#" was said "Dial 123", another code), and a
    "*" between numbers was left out ("5\\*2" said "5 2")."""
    assert speakable("Dial *123# to top up, or *100*2# for credit.") == (
        "Dial star 1 2 3 hash to top up, or star 1 0 0 star 2 hash for credit."
    )
    assert speakable("Press # then 2.") == "Press hash then 2."
    # a key at a line's end is no closing mark: it was dropped ("Then press #" said "Then press")
    assert speakable("To top up, dial *123#\nThen press #") == (
        "To top up, dial star 1 2 3 hash. Then press hash."
    )
    # a run of them, or one after the sentence's own mark, closes the line: no key
    assert speakable("Price list ####\nCall us!#") == "Price list. Call us!"
    assert speakable("Take 5\\*2 tablets; 3 * 4 = 12.") == "Take 5 times 2 tablets; 3 times 4 = 12."
    # a number after "#", a footnote's mark and an amount's stay as they were read
    assert speakable("Room #4*\n* members only") == "Room number 4. Members only."
    assert speakable("From \u00a35* a night") == "From 5 pounds a night."
    assert speakable("Tickets cost 12* a seat; seats 1*, 2* and 3* are held.") == (
        "Tickets cost 12 a seat; seats 1, 2 and 3 are held."
    )
    assert speakable("Take bus # 5.") == "Take bus number 5."


def test_an_amount_or_a_measure_that_describes_a_thing_is_said_in_the_singular() -> None:
    """ "a £30 deposit" was said "a 30 pounds deposit"."""
    assert speakable("Pay a \u00a330 deposit, or an \u00a380 fine applies.") == (
        "Pay a 30 pound deposit, or an 80 pound fine applies."
    )
    assert (
        speakable("Bring a $10 note for a 2 m wall.")
        == "Bring a 10 dollar note for a 2 metre wall."
    )
    # an amount on its own, or one per something, is still counted
    assert speakable("It costs \u00a35 per hour, or a \u00a33.") == (
        "It costs 5 pounds per hour, or a 3 pounds."
    )
    assert speakable("The wall is 2 m long.") == "The wall is 2 metres long."


def test_amounts_of_money_read_with_their_currency() -> None:
    assert speakable("\u00a335/month or \u00a31.50/hr") == (
        "35 pounds per month or 1 pound 50 per hour."
    )
    assert speakable("\u00a34.50, \u00a31, \u00a312, \u00a30.50, $4.50, \u20ac2") == (
        "4 pounds 50, 1 pound, 12 pounds, 50 pence, 4 dollars 50, 2 euros."
    )
    assert speakable("Tickets \u00a310-\u00a320, \u00a31,200 a year, \u00a31.2 million.") == (
        "Tickets 10 pounds to 20 pounds, 1,200 pounds a year, 1.2 million pounds."
    )
    # Between two words a slash is still "or".
    assert speakable("Mon/Tue") == "Monday or Tuesday."


def test_amounts_with_a_decimal_comma_read_as_amounts() -> None:
    """ "\u20ac4,50" was read "4 euros,50", and "4,50 \u20ac" left as written."""
    written = "\u20ac4,50, 4,50 \u20ac, 4,50\u20ac, \u20ac0,50, 4.50 \u20ac, \u20ac1.250,50"
    assert speakable(written) == (
        "4 euros 50, 4 euros 50, 4 euros 50, 50 cents, 4 euros 50, 1,250 euros 50."
    )
    assert speakable("Tickets \u20ac4,50-\u20ac6,00, 10 \u20ac for two.") == (
        "Tickets 4 euros 50 to 6 euros, 10 euros for two."
    )
    assert speakable("2,50\u20ac/hour, \u20ac4,50 x 2") == (
        "2 euros 50 per hour, 4 euros 50 times 2."
    )
    # A comma before three digits sets thousands apart.
    assert speakable("\u00a31,250 for 1,500 people, \u20ac2,000 or 3,000 \u20ac.") == (
        "1,250 pounds for 1,500 people, 2,000 euros or 3,000 euros."
    )


def test_abbreviations_read_as_words() -> None:
    assert speakable("Ages: 3 yrs to 18 mths. 1 hr, 2 hrs or 24hrs, 30 mins, a 3-yr plan.") == (
        "Ages: 3 years to 18 months. 1 hour, 2 hours or 24 hours, 30 minutes, a 3-year plan."
    )
    assert speakable("Hrs vary. Ask HR at hr@example.com") == (
        "Hours vary. Ask HR at hr at example.com."
    )


def test_a_number_in_the_plural_reads_as_one() -> None:
    assert speakable("Under-3s go free, in your 20s, the 1990s") == (
        "Under-threes go free, in your twenties, the 1990s."
    )


def test_phone_numbers_read_digit_by_digit() -> None:
    assert speakable("Call 01632 960 123 or +44 1632 960123.") == (
        "Call 0 1 6 3 2, 9 6 0, 1 2 3 or plus 4 4, 1 6 3 2, 9 6 0 1 2 3."
    )
    # Other numbers stay numbers, and so does what follows a phone number.
    assert speakable("1,200 visitors in 2026 paid \u00a335 at 0.5 hrs each") == (
        "1,200 visitors in 2026 paid 35 pounds at 0.5 hours each."
    )
    assert speakable("Ring 01632 960123 24 hours a day") == (
        "Ring 0 1 6 3 2, 9 6 0 1 2 3 24 hours a day."
    )


def test_units_of_measure_read_by_their_names() -> None:
    assert speakable("Bags up to 55 x 40 x 20 cm and 23kg; drink 500ml, 1 kg, a 10-km walk.") == (
        "Bags up to 55 by 40 by 20 centimetres and 23 kilograms; drink 500 millilitres, "
        "1 kilogram, a 10-kilometre walk."
    )
    assert speakable("Heated to 28\u00b0C, 1.5m deep. Chargers give 22kW at 45p per kWh.") == (
        "Heated to 28 degrees Celsius, 1.5 metres deep. Chargers give 22 kilowatts at 45p per "
        "kilowatt hour."
    )
    # "2.4m x 1.8m (8ft x 6ft)" was "2.4 metres ex 1.8 metres, 8 eff tee ex 6 eff tee"
    assert speakable("Sheds up to 2.4m x 1.8m (8ft x 6ft); a plot is 250 sq m.") == (
        "Sheds up to 2.4 metres by 1.8 metres, 8 feet by 6 feet; a plot is 250 square metres."
    )
    assert speakable("Members earn 3x points. The ride lasts 90 secs.") == (
        "Members earn 3 times points. The ride lasts 90 seconds."
    )
    # Beside an amount of money "x" is times, not a dimension ("2 by 10 pounds" before).
    assert speakable("Two tickets: 2 x \u00a310, or \u00a35 x 3 for three.") == (
        "Two tickets: 2 times 10 pounds, or 5 pounds times 3 for three."
    )
    # After an amount of money "m" and "k" are its scale (a roof it describes: "pound").
    assert speakable("A \u00a31.5m roof and \u00a310k of repairs.") == (
        "A 1.5 million pound roof and 10 thousand pounds of repairs."
    )


def test_dates_days_and_months_read_by_name() -> None:
    assert speakable("Tickets on sale 01/03/2026; entries close 2026-03-31.") == (
        "Tickets on sale first March 2026; entries close thirty first March 2026."
    )
    assert speakable("Open Mon-Fri 9am-5pm, Sat 10am-4pm, Apr\u2013Oct. Closed 24th-26th Dec.") == (
        "Open Monday to Friday 9am to 5pm, Saturday 10am to 4pm, April to October. "
        "Closed 24th to 26th December."
    )
    # A short form that is also a word is a day only beside a number or another day.
    assert speakable("Sun cream on sale Sat & Sun.") == ("Sun cream on sale Saturday and Sunday.")
    # Numbers that are no date stay numbers.
    assert speakable("Version 1.2.3 in room 2.14.") == "Version 1.2.3 in room 2.14."
    # A day and month without a year were "25 or 12"; a pair that may be other numbers stays.
    assert speakable("Closed 25/12 and 26/12, and 05/11 from 6pm.") == (
        "Closed twenty fifth December and twenty sixth December, and fifth November from 6pm."
    )
    assert speakable("Platforms 10/11; scored 15/20.") == "Platforms 10 or 11; scored 15 or 20."
    assert speakable("Entry \u00a314/7.") == "Entry 14 pounds or 7."  # two prices
    # "Mon. & Wed." was "Monday. and Wednesday": a full stop in the middle of a sentence.
    assert speakable("Open Mon. & Wed. from 9am.") == "Open Monday and Wednesday from 9am."
    # A number that labels a thing was read as a date: "page thirteenth February".
    assert speakable("See page 13/2; trains leave from Platform 14/3.") == (
        "See page 13 or 2; trains leave from Platform 14 or 3."
    )
    assert speakable("Closed Friday 13/2.") == "Closed Friday thirteenth February."
    # "Mon. - Fri." kept its full stop: "Monday. - Friday", a pause mid-sentence.
    assert speakable("Open Mon. - Fri. 9am to 5pm.") == "Open Monday to Friday 9am to 5pm."


def test_slashes_read_as_said() -> None:
    assert speakable("Our helpline is open 24/7.") == "Our helpline is open 24 7."
    # A slash with spaces around it sets amounts apart; between words it is "or".
    assert speakable("Adult \u00a312 / Child \u00a36 / Family \u00a330") == (
        "Adult 12 pounds, Child 6 pounds, Family 30 pounds."
    )
    assert speakable("Tea / coffee \u00a32 / cup") == "Tea or coffee 2 pounds per cup."


def test_short_forms_read_as_words() -> None:
    assert speakable("Allow approx. 2 hrs, e.g. for the trail; bring ID, i.e. a passport.") == (
        "Allow approximately 2 hours, for example for the trail; bring ID, that is a passport."
    )
    assert speakable("We're at No. 12 High St. next to St Mary's, off Mill Rd.") == (
        "We're at number 12 High Street next to St Mary's, off Mill Road."
    )
    # after a saint's name, a street ("St Mary's St" was "saint Mary's saint")
    assert speakable("We're at 12 St. Mary's St., by the church.") == (
        "We're at 12 St. Mary's Street, by the church."
    )
    assert speakable("E.g. Prices incl. VAT, discount N/A.") == (
        "For example Prices including VAT, discount not applicable."
    )
    # "no." is a number only before one.
    assert speakable("Use door no. 5, but no.") == "Use door number 5, but no."


def test_inc_reads_including_but_not_in_a_company_s_name() -> None:
    # "(inc. the tube)" was read "inc the tube"
    assert speakable("It's \u00a312 for a tube (inc. the tube).") == (
        "It's 12 pounds for a tube, including the tube."
    )
    assert speakable("Made by Acme Inc. in Leeds.") == "Made by Acme Inc. in Leeds."


def test_times_on_the_hour_read_as_said() -> None:
    # The engine reads "9:00" as "nine zero zero" and "12:05" as "twelve zero five".
    assert speakable("Open 9:00-17:30; the 17:00 bus; doors 10.00am; last bus 12:05.") == (
        "Open 9 o'clock to 5:30pm; the 5pm bus; doors 10am; last bus 12 oh 5."
    )
    assert speakable("Open 09:30am to 9:00pm.") == "Open 9:30am to 9pm."
    # the start of a range written with a full stop was a number: "six point three zero"
    assert speakable("Classes 6.30-8.30pm; it costs 6.30 pounds.") == (
        "Classes 6:30 to 8:30pm; it costs 6.30 pounds."
    )
    # and so was one whose end is on the hour: "lane swimming 6.30-9am"
    assert speakable("Lanes 6.30-9am and 5.15 - 8pm; tickets £2.50-£3.") == (
        "Lanes 6:30 to 9am and 5:15 to 8pm; tickets 2 pounds 50 to 3 pounds."
    )


def test_noon_and_midnight_after_twelve_read_as_the_word() -> None:
    # "10am-12noon" was read "10am to 12noon"
    assert speakable("Open 10am-12noon, 12 noon to 2pm and 10pm-12midnight.") == (
        "Open 10am to noon, noon to 2pm and 10pm to midnight."
    )
    # a range from noon kept its dash, "12.00 noon" was read as written, and an amount
    # before "noon" lost its number
    assert speakable("Lunch 12noon-2pm, 12 midnight\u20136am; from 12.00 noon.") == (
        "Lunch noon to 2pm, midnight to 6am; from noon."
    )
    assert speakable("Day ticket \u00a312 noon to close.") == "Day ticket 12 pounds noon to close."


def test_an_afternoon_s_time_on_the_24_hour_clock_reads_as_on_the_12_hour_one() -> None:
    """ "8:00\u201318:00" was read "8 o'clock to 18 hundred", and "16:00" "16 hundred", heard
    as a year."""
    assert speakable("Open 8:00\u201318:00, 08:00 \u2013 18:00 or 8:00 to 18:00.") == (
        "Open 8 o'clock to 6pm, 8 o'clock to 6pm or 8 o'clock to 6pm."
    )
    assert speakable("Open 9:30-17:30, 8am-6pm, 13:00-18:00, 18:00-00:00; bus at 18:00.") == (
        "Open 9:30 to 5:30pm, 8am to 6pm, 1pm to 6pm, 6pm to midnight; bus at 6pm."
    )
    assert speakable("Open 09:30-18:00, 08:00-12:05 and 13:05 to 18:00.") == (
        "Open 9:30 to 6pm, 8 o'clock to 12 oh 5 and 1 oh 5pm to 6pm."
    )
    assert speakable("At 12:00, 12:30 or 23:59; 17:30pm as written.") == (
        "At 12 o'clock, 12:30 or 11:59pm; 17:30pm as written."
    )


def test_fractions_read_as_said() -> None:
    # The engine reads "a ½ day" as "a a half day".
    assert speakable("A \u00bd day pass, a \u00bc share, 2\u00bd hours or 1 1/2 hours.") == (
        "A half day pass, a quarter share, 2 and a half hours or 1 and a half hours."
    )
    assert speakable("\u00bd price for \u00bc of visitors, 3/4 full.") == (
        "Half price for a quarter of visitors, three quarters full."
    )
    # After a name, or before no word, "1/2" numbers things.
    assert speakable("Platforms 1/2 and 3/4.") == "Platforms 1 or 2 and 3 or 4."


def test_service_numbers_read_digit_by_digit() -> None:
    assert speakable("Call NHS 111 for urgent help, or 999 in an emergency.") == (
        "Call NHS 1 1 1 for urgent help, or 9 9 9 in an emergency."
    )
    # The same digits in an amount or a longer number stay a number.
    assert speakable("\u00a3999, 1,111 visitors, 9999 and 111.5m.") == (
        "999 pounds, 1,111 visitors, 9999 and 111.5 metres."
    )
    # Only a number to dial: without a word that says so, it counts or numbers things.
    assert speakable("Room 111 is upstairs. We sold 999 tickets; the tower has 112 steps.") == (
        "Room 111 is upstairs. We sold 999 tickets; the tower has 112 steps."
    )
    assert speakable("In an emergency, dial 999. Room 111 is upstairs.") == (
        "In an emergency, dial 9 9 9. Room 111 is upstairs."
    )


def test_hours_and_minutes_written_short_are_no_metres() -> None:
    assert speakable("The show runs 1h 30m, the tour 2h15m; the pool is 25m long.") == (
        "The show runs 1 hour 30 minutes, the tour 2 hours 15 minutes; the pool is 25 metres long."
    )


def test_a_day_that_ends_a_sentence_leaves_the_next_one_alone() -> None:
    assert speakable("Open Sat & Sun. Sun cream is sold here. Jan 3. Mar on to the gate.") == (
        "Open Saturday and Sunday. Sun cream is sold here. January 3. Mar on to the gate."
    )
    assert speakable("Closed Fri. Sat nav is free.") == "Closed Friday. Sat nav is free."
    assert speakable("Open Mon.-Sat. 9am to 5pm.") == "Open Monday to Saturday 9am to 5pm."
    # A sentence that starts with a number after one keeps the stop between them.
    assert speakable("Open Mon-Fri. 20% off for members. Jan. 2027 prices.") == (
        "Open Monday to Friday. 20 percent off for members. January 2027 prices."
    )


def test_a_long_reply_is_made_speakable_at_once() -> None:
    # Short names that are also words ("Sun", "Sat") after a long text, and after a long
    # run of digits: each is looked at beside itself, not against all the text before it.
    for text in ("Sun cream is sold at the shop. " * 700, "1" * 10_000 + " Sat" * 2_500):
        began = time.perf_counter()
        speakable(text)
        assert time.perf_counter() - began < 0.5, len(text)
    assert speakable("Open 10am to 4pm, Sat & Sun.") == "Open 10am to 4pm, Saturday and Sunday."


def test_links_read_as_their_text_and_an_address_a_person_would_read_out() -> None:
    assert speakable("We are at [12 Mill Lane](https://maps.example.com/?q=12+Mill+Lane).") == (
        "We are at 12 Mill Lane."
    )
    assert speakable("See [our parking page](https://www.example.org/parking) for details.") == (
        "See our parking page, example.org slash parking, for details."
    )
    assert speakable("[Email us](mailto:info@example.org) or [ring](tel:01632960123).") == (
        "Email us, info at example.org, or ring, 0 1 6 3 2 9 6 0 1 2 3."
    )
    assert speakable("Visit [www.example.org](https://www.example.org/).") == "Visit example.org."
    assert speakable('Read [the rules](<https://example.org/rules> "Rules").') == (
        "Read the rules, example.org slash rules."
    )


def test_a_phone_or_mail_link_whose_text_says_it_is_read_once() -> None:
    """A campsite's web page linked "017687 72391" to "tel:+441768772391": the kiosk read
    the number twice, as dialled at home and then for the world."""
    assert speakable("Call us on [017687 72391](tel:+441768772391) to book.") == (
        "Call us on 0 1 7 6 8 7, 7 2 3 9 1 to book."
    )
    assert speakable("Call [+44 (0)17687 72391](tel:+441768772391).") == (
        "Call plus 4 4, 1 7 6 8 7, 7 2 3 9 1."
    )
    assert speakable("Write to [Stay@Example.org](mailto:stay@example.org?subject=FAQ).") == (
        "Write to Stay at Example.org."
    )
    # a text that says another number, or only part of it, keeps the number linked
    assert speakable("[Ext 391](tel:+441768772391)") == (
        "Extension 391, plus 4 4 1 7 6 8 7 7 2 3 9 1."
    )


def test_web_addresses_are_read_without_their_query() -> None:
    assert speakable("See https://www.example.org/faq?id=3#top for more.") == (
        "See example.org slash faq for more."
    )


def test_the_zero_in_brackets_after_a_country_code_is_not_said() -> None:
    assert speakable("Call +44 (0)20 7946 0958 or +44(0)1632 960123.") == (
        "Call plus 4 4, 2 0, 7 9 4 6, 0 9 5 8 or plus 4 4, 1 6 3 2, 9 6 0 1 2 3."
    )


def test_a_list_inside_an_item_is_read_with_that_item() -> None:
    """Items indented under another were read as items of the outer list ("proof of who you
    are, a passport, or a driving licence, proof of address, a bill and a bank statement"):
    each item's own list is read on from it."""
    text = (
        "Bring:\n- proof of who you are\n  - a passport\n  - or a driving licence\n"
        "- proof of address\n  1. a bill\n  2. a bank statement"
    )
    assert speakable(text) == (
        "Bring, proof of who you are, a passport, or a driving licence; and proof of "
        "address, a bill and a bank statement."
    )


def test_a_number_ending_a_word_of_a_web_address_is_no_amount_per_unit() -> None:
    """ "summer-holidays-2026/family.pdf" in a link was read "summer-holidays-2026 per
    family.pdf", as if 2026 were an amount per family."""
    assert speakable("See www.example.org/summer-holidays-2026/family.pdf") == (
        "See example.org slash summer-holidays-2026 slash family.pdf."
    )
    assert speakable("2-3/week, 10/day") == "2 to 3 per week, 10 per day."


def test_a_long_numbered_list_is_read_with_ordinals_to_its_end() -> None:
    """A 12-item list was read "... Tenth, ..., Number 11, ..., Number 12"."""
    items = "\n".join(f"{n}. Bring item {n}. It is needed later." for n in (10, 11, 12))
    assert speakable(items).startswith(
        "Tenth, bring item 10. It is needed later. Eleventh, bring item 11. It is needed "
        "later. Twelfth, bring"
    )


def test_html_tags_are_not_read_out() -> None:
    """An answer pasted with its HTML was read "We are b open, b every day. br Closed on i
    Sundays, i.": a tag is no word. A line break or list item is read as one."""
    assert speakable("We are <b>open</b> every day.<br>Closed on <i>Sundays</i>") == (
        "We are open every day. Closed on Sundays."
    )
    assert speakable("We can offer:<ul><li>vegetarian dishes</li><li>halal meals</li></ul>") == (
        "We can offer, vegetarian dishes and halal meals."
    )
    assert speakable('<p>See <a href="https://example.org/park">our page</a>.</p>') == (
        "See our page."
    )


def test_an_answer_pasted_with_character_references_is_read_as_their_characters(
    tmp_path: Path,
) -> None:
    """ "Fish &amp; chips, &pound;9.50" was read "Fish and amp; chips, and pound;9.50": the
    kiosk says the characters the references stand for (the knowledge is read with them)."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n  - id: food\n    question: Do you serve fish &amp; chips?\n"
        '    answer: "Fish &amp; chips, &pound;9.50 &ndash; it&#39;s our chef&#8217;s '
        '&quot;classic&quot;.<br>Call&nbsp;01632&nbsp;960123. Kids &lt; 12 half price."\n',
        encoding="utf-8",
    )
    entry = load(path).get("food")
    assert spoken_answer(entry) == (
        "Fish and chips, 9 pounds 50, it's our chef's classic. "
        "Call 0 1 6 3 2, 9 6 0 1 2 3. Kids less than 12 half price."
    )
    assert spoken_question(entry) == "Do you serve fish and chips"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Free for children under age < 16.", "Free for children under age less than 16."),
        ("> 2 hours: £5 an hour.", "More than 2 hours: 5 pounds an hour."),
        ("Groups of ≤ 5 people.", "Groups of at most 5 people."),
        ("Visitors ≥ 18 only; ages>=12 with an adult.", "Visitors at least 18 only; ages at least 12 with an adult."),
        ("Orders <£10 pay for delivery, age<16 free.", "Orders less than 10 pounds pay for delivery, age less than 16 free."),
        ("Bring:\n- < 3 bags\n- > 2 towels", "Bring, less than 3 bags and more than 2 towels."),
        ("Is it x < y?", "Is it x less than y?"),
    ],
)  # fmt: skip
def test_comparison_signs_are_read_as_words(written: str, said: str) -> None:
    """ "children under age < 16" was read "children under age 16": the sign, the one word
    that mattered, was dropped."""
    assert speakable(written) == said


@pytest.mark.parametrize(
    "written",
    [
        "Turn left -> then right <- again, => go on, <-> both, --> down, << back >> on",
        "Write <your name> and <ref>5 on the form",
        "See https://example.org/search?age<16&k>2 or mail a<b@example.org",
        "> Note: bring a towel",  # a quoted line, as markdown writes one
        "We are <b>open</b> 9 to 5",
    ],
)
def test_arrows_placeholders_addresses_and_tags_are_no_comparisons(written: str) -> None:
    said = speakable(written)
    assert not any(words in said for words in ("less than", "more than", "at most", "at least"))


def test_tags_and_marks_written_as_text_are_said_by_their_names() -> None:
    """A tag an answer shows as text ("&lt;b&gt;", kept as "\\<b>") was said "b", its end
    tag ", b" ("Type b before it and, b after it"), and a mark written as text standing
    alone ("\\*") was left out ("the key is no help"). Each is said by its name; a tag not
    written as text is still no word, and a mark within a word or a path stays unsaid."""
    assert speakable("Type \\<b> before it and \\</b> after it.") == (
        "Type b tag before it and closing b tag after it."
    )
    assert speakable("Tags: \\<b>bold\\</b> and \\<br/>") == (
        "Tags: b tag bold closing b tag and br tag."
    )
    assert speakable("The \\* key, then \\#.") == "The asterisk key, then hash."
    assert speakable("It is <b>free</b>.") == "It is free."
    assert speakable("C:\\my_dir\\_old_ and x\\_y") == "C: my dir old and x y."


def test_a_did_you_mean_says_a_mark_its_question_writes_as_text(tmp_path: Path) -> None:
    """ "What does the \\* mean on the menu?" was proposed as "Did you mean: What does the
    mean on the menu?", and a question's emphasis is no word of it."""
    path = marked_faq(tmp_path)
    knowledge = load(path)
    assert did_you_mean(knowledge.get("star")) == (
        "Did you mean: What does the asterisk mean on the menu?"
    )
    assert did_you_mean(knowledge.get("bold")) == (
        "Did you mean: How do I make a word bold on the page?"
    )


def test_a_sentence_ended_by_another_script_s_mark_or_an_ellipsis_gets_no_full_stop() -> None:
    """A Japanese answer was read with "。." at its end, and "…" got a full stop after it."""
    assert speakable("毎日営業しています。") == "毎日営業しています。"
    assert speakable("本当\uff1f") == "本当\uff1f"
    assert speakable("Watch this space\u2026") == "Watch this space\u2026"
    assert speakable("Open daily") == "Open daily."


def test_times_written_with_a_full_stop_or_four_digits_are_times() -> None:
    """A British answer's "09.00" and "17.30" were read "zero nine point zero zero", and
    "0900-1700" as thousands; an amount or a measure stays a number."""
    assert speakable("We open at 09.00 and close at 17.30.") == (
        "We open at 9 o'clock and close at 5:30pm."
    )
    assert speakable("Visiting: 2.30-4.30; ICU 11.00-20.00.") == (
        "Visiting: 2:30 to 4:30; ICU 11 o'clock to 8pm."
    )
    assert speakable("Open 9.30 to 4.30.") == "Open 9:30 to 4:30."
    assert speakable("Phone lines open 0800\u20131800.") == "Phone lines open 8 o'clock to 6pm."
    assert speakable("The wall is 2.30 m high; tea 1.50; it weighs 4.25 kg.") == (
        "The wall is 2.30 metres high; tea 1.50; it weighs 4.25 kilograms."
    )
    assert speakable("Built 1200-1330.") == "Built 1200 to 1330."


def test_ranges_with_a_spaced_dash_and_between_dates_are_read_with_to() -> None:
    """ "9 - 5" was heard as two numbers, "Ages 8 \u2013 14" as "8, 14", "1st March \u2013 31st
    October" as two dates, and "5-16: \u00a34" with its dash read out."""
    assert speakable("Open 9 - 5; ages 8 \u2013 14.") == "Open 9 to 5; ages 8 to 14."
    assert speakable("Open 1st March \u2013 31st October; closed 25 Dec-2 Jan.") == (
        "Open 1st March to 31st October; closed 25 December to 2 January."
    )
    assert speakable("Under 5: free; 5-16: \u00a34.") == "Under 5: free; 5 to 16: 4 pounds."


def test_a_short_day_that_is_also_a_word_is_a_day_in_opening_times() -> None:
    """ "Sat: 10am-2pm", "Sun closed" and "Closed Sat." were read "sat" and "sun"."""
    assert speakable("Mon-Fri: 9am-5pm\nSat: 10am-2pm\nSun: Closed") == (
        "Monday to Friday: 9am to 5pm. Saturday: 10am to 2pm. Sunday: Closed."
    )
    assert speakable("Closed Sat. Open Sun only.") == "Closed Saturday. Open Sunday only."
    assert speakable("Sun cream is sold here.") == "Sun cream is sold here."


def test_fractions_phones_and_short_forms_after_a_price() -> None:
    """ "Kids 1/2 price" was "1 or 2 price", "save 1/3" "1 or 3"; American numbers and
    "(0161) 234 5678" were read as amounts; "\u00a35pp" was "poundspp"."""
    assert speakable("Kids 1/2 price; railcards save 1/3 on fares.") == (
        "Kids half price; railcards save a third on fares."
    )
    assert speakable("Lifts to platforms 1/2.") == "Lifts to platforms 1 or 2."
    assert speakable("Call (555) 123-4567 or +1 800-555-0199.") == (
        "Call 5 5 5, 1 2 3, 4 5 6 7 or plus 1, 8 0 0, 5 5 5, 0 1 9 9."
    )
    assert speakable("Tel: (0161) 234 5678, ext. 12.") == (
        "Tel: 0 1 6 1, 2 3 4, 5 6 7 8, extension 12."
    )
    assert speakable("Entry \u00a35pp; pitches \u00a32 pppn; parking \u00a32 p/h.") == (
        "Entry 5 pounds per person; pitches 2 pounds per person per night; "
        "parking 2 pounds per hour."
    )
    assert speakable("Call 01234 567890 / bookings@example.org") == (
        "Call 0 1 2 3 4, 5 6 7 8 9 0, bookings at example.org."
    )
    assert speakable("Limit 30 km/h; arrive 15 min. early; free up to 48h before.") == (
        "Limit 30 kilometres an hour; arrive 15 minutes early; free up to 48 hours before."
    )
    assert speakable("Event date: 12/25/2026.") == "Event date: twenty fifth December 2026."
    assert speakable("Ring 101; see Sec. 4; wait 30 sec. then go.") == (
        "Ring 1 0 1; see Section 4; wait 30 seconds then go."
    )


def test_ssml_is_spoken_as_its_text_not_its_tags() -> None:
    """A Home Assistant user's "tts.speak" with SSML was heard as "speak ... break time
    equals one s"."""
    assert speakable("<speak>Hello <break time='1s'/> world</speak>") == "Hello. World."
    assert speakable('<speak><prosody rate="slow">Open <say-as>9am</say-as></prosody></speak>') == (
        "Open 9am."
    )


def test_numbers_that_are_no_times_dates_ranges_or_fractions_stay_numbers() -> None:
    """A review's answers read wrong by these rules as first written: references as times,
    prices and heights as times, dates after "service" as labels, counts as fractions, a
    label's number and a distance as a range, names as days, addresses as numbers to dial."""
    kept = [
        "Quote your booking reference 2026-0142.",
        "Freephone 0800-1234 today.",
        "Prices \u00a34.50-6.50 by size; tickets from 4.50; pay at 2.40 per hour.",
        "Riders must be between 1.20 and 1.95 metres.",
        "Our score went up from 3.20 to 3.45 this year.",
        "Closed in January - 2 weeks for maintenance.",
        "Jan from our events team will call you back.",
        "The Rising Sun opens at noon, Mon-Sat.",
        "Phone 01234 567890; we are at 101 High Street.",
        "All prices exc. VAT.",
    ]
    said = [
        "Quote your booking reference 2026-0142.",
        "Freephone 0800-1234 today.",
        "Prices 4 pounds 50 to 6.50 by size; tickets from 4.50; pay at 2.40 per hour.",
        "Riders must be between 1.20 and 1.95 metres.",
        "Our score went up from 3.20 to 3.45 this year.",
        "Closed in January - 2 weeks for maintenance.",
        "Jan from our events team will call you back.",
        "The Rising Sun opens at noon, Monday to Saturday.",
        "Phone 0 1 2 3 4, 5 6 7 8 9 0; we are at 101 High Street.",
        "All prices excluding VAT.",
    ]
    assert [speakable(text) for text in kept] == said
    assert speakable("Carol service 18/12; last train 24/12.") == (
        "Carol service eighteenth December; last train twenty fourth December."
    )
    assert speakable("Stays of 2/3 nights for 2/3 people; closed 1/3.") == (
        "Stays of 2 or 3 nights for 2 or 3 people; closed 1 or 3."
    )
    assert speakable("Gate 5 - 10 minutes from the station.") == (
        "Gate 5, 10 minutes from the station."
    )
    assert speakable("Groups: 10 min, 40 max.") == "Groups: 10 minimum, 40 maximum."
    assert speakable("A 15 min walk; 10 min spend.") == "A 15 minute walk; 10 minimum spend."
    assert speakable("Membership \u00a330 p.a. Juniors \u00a310 p.a.") == (
        "Membership 30 pounds a year. Juniors 10 pounds a year."
    )
    assert speakable("Surgery hours: 08.30 to 18.00; open 8h-18h.") == (
        "Surgery hours: 8:30 to 6pm; open 8 o'clock to 6pm."
    )
    assert speakable("<del>Closed Mondays</del> Open every day.") == "Open every day."


def test_a_menu_s_path_is_read_as_its_steps() -> None:
    """ "Go to Account > Subscriptions" was read "Account more than Subscriptions", and an
    arrow ("Settings \u2192 Security") by its name or not at all; a ">" before a number is
    still a comparison."""
    assert speakable("Go to Account > Subscriptions and choose Cancel.") == (
        "Go to Account, then Subscriptions and choose Cancel."
    )
    assert speakable("Open Settings \u2192 Security \u2192 Passwords.") == (
        "Open Settings, then Security, then Passwords."
    )
    assert speakable("Home \u00bb Help \u00bb FAQs, or Menu -> Help.") == (
        "Home, then Help, then FAQs, or Menu, then Help."
    )
    assert speakable("Children > 5 pay.") == "Children more than 5 pay."
    assert speakable("Type <your name> and send.") == "Type your name and send."
    # a comparison in words, quote marks
    assert speakable("Children > five years old pay.") == "Children more than five years old pay."
    assert (
        speakable("Ask for \u00bbTom\u00ab at the desk.") == "Ask for \u00bbTom\u00ab at the desk."
    )


def test_a_markdown_table_is_read_row_by_row_and_code_without_its_marks() -> None:
    """A table written in an answer was read "Day Hours.,. Monday 9 to 5. Sun Closed.", its
    rule a stray ",." and its header a sentence; "Type `help`" kept its backticks."""
    table = "Our hours:\n\n| Day | Hours |\n|---|---|\n| Monday | 9-5 |\n| Sun | Closed |"
    assert speakable(table) == "Our hours, Monday: 9 to 5. Sunday: Closed."
    assert speakable("Type `help` to start.") == "Type help to start."
    assert speakable("Don`t be late.") == "Don`t be late."  # a backtick for an apostrophe
    # more than two columns: each cell after its column's name
    assert speakable(
        "| Ticket | Peak | Off-peak |\n|---|---|---|\n| Adult | \u00a312 | \u00a38 |"
    ) == ("Adult: Peak 12 pounds, Off-peak 8 pounds.")
