"""Build the village hall bookings FAQ as a Word document."""

from pathlib import Path

from docx import Document

OUT = Path(__file__).with_name("village-hall-bookings.docx")

SECTIONS = [
    (
        "Booking the hall",
        [
            (
                "How do I book the hall?",
                "Email the bookings secretary at bookings@ashworthvillagehall.org.uk or ring 01632 960 418 between 9am and 6pm on weekdays. "
                "We will pencil in your date and send a hire agreement to sign and return.",
            ),
            (
                "How far ahead can I book?",
                "You can book up to 12 months ahead. Regular weekly classes are booked a term at a time, from September, January and April.",
            ),
            (
                "Can I cancel my booking?",
                "Cancel more than 28 days before your date and you get a full refund of the hire fee. "
                "With less than 28 days' notice we keep half the hire fee.",
            ),
            (
                "Can I come and look round before I book?",
                "Yes, viewings are on Tuesday evenings from 6pm to 7pm. Ring the bookings secretary to arrange a slot.",
            ),
        ],
    ),
    (
        "Prices and payment",
        [
            (
                "How much does the hall cost to hire?",
                "The Main Hall is £22 an hour, or £15 an hour for village residents and local charities. "
                "The Committee Room is £12 an hour.",
            ),
            (
                "Is there a deposit?",
                "Yes, a £100 refundable damage deposit is due when you sign the hire agreement. "
                "We return it within 14 days of your event if the hall is left clean and undamaged.",
            ),
            (
                "How do I pay?",
                "Pay by bank transfer to Ashworth Village Hall, sort code 20-45-77, account 43817290, using your surname and date as the reference. "
                "The hire fee is due 14 days before your booking.",
            ),
            (
                "Do you have a price for a whole day?",
                "A full day from 9am to midnight in the Main Hall costs £240. Saturday party bookings have a minimum of four hours.",
            ),
        ],
    ),
    (
        "Facilities",
        [
            (
                "How many people does the hall hold?",
                "The Main Hall holds 120 people standing or 80 seated at tables. The Committee Room seats 20.",
            ),
            (
                "Is there a kitchen?",
                "Yes, the kitchen has a six-ring cooker, two fridges, a hot water urn and crockery and cutlery for 80. "
                "Kitchen use is included in the hire fee.",
            ),
            (
                "Are there tables and chairs?",
                "We have 100 stacking chairs and 12 trestle tables, kept in the store room off the Main Hall. "
                "You set them out and put them away yourself.",
            ),
            (
                "Is the hall accessible for wheelchair users?",
                "Yes, there is a ramp at the front entrance, level access to every room and an accessible toilet next to the kitchen. "
                "A hearing loop is fitted in the Main Hall.",
            ),
            (
                "Is there parking?",
                "The car park behind the hall has 25 spaces, including 2 disabled bays. Please do not park on Church Lane.",
            ),
        ],
    ),
    (
        "On the day",
        [
            (
                "How do I get the keys?",
                "Collect the keys from the key safe by the side door; we text you the code the day before your booking. "
                "Put them back in the key safe when you leave.",
            ),
            (
                "What time must we finish?",
                "Music must stop by 11pm and everyone must be out of the hall by midnight. "
                "Please keep noise down outside as there are houses next door.",
            ),
            (
                "What do I need to do when I leave?",
                "Sweep the floor, wipe the kitchen surfaces and stack the tables and chairs in the store room. "
                "Take all your rubbish home with you, as the hall bins are for hall use only.",
            ),
        ],
    ),
]


def main() -> None:
    document = Document()
    document.add_heading("Ashworth Village Hall: Booking Questions", level=0)
    for name, entries in SECTIONS:
        document.add_heading(name, level=1)
        for question, answer in entries:
            document.add_paragraph(question)
            document.add_paragraph(answer)
    document.save(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
