"""Build half-marathon-info-point.docx, the race-day information point FAQ, with python-docx."""

from pathlib import Path

from docx import Document

TITLE = "Wyvern Half Marathon: Race-Day Information Point FAQ"

SECTIONS = [
    (
        "Before race day",
        [
            (
                "Where do I collect my race number?",
                [
                    "Race packs are handed out at the Race Village tent in Gheluvelt Park on Saturday from 10am to 5pm "
                    "and on race morning from 7am. Bring your confirmation email and photo ID."
                ],
            ),
            (
                "Can I transfer my place to someone else?",
                [
                    "Transfers closed at midnight on 31 August. We cannot change the name on a number on race day, "
                    "and running with someone else's number is not allowed."
                ],
            ),
            (
                "Can I enter on the day?",
                [
                    "No. The race is sold out and there are no entries on the day. Join the waiting list for next "
                    "year on our website."
                ],
            ),
            (
                "How do I fit my timing chip?",
                [
                    "The chip is the strip on the back of your race number. Pin the number to the front of your top "
                    "with all four safety pins and do not fold or cut it."
                ],
            ),
        ],
    ),
    (
        "Race morning",
        [
            (
                "What time does the race start?",
                [
                    "The wheelchair race starts at 8:50am and the main race at 9:00am on Sansome Walk. "
                    "Start pens close at 8:45am."
                ],
            ),
            (
                "Which start pen should I go in?",
                [
                    "Your pen colour is printed on your number, from the finish time you gave when you entered:",
                    "- Red: under 1 hour 30",
                    "- Blue: 1 hour 30 to 2 hours",
                    "- Green: 2 hours to 2 hours 30",
                    "- Yellow: over 2 hours 30",
                ],
            ),
            (
                "Where can I leave my bag?",
                [
                    "Use the baggage tent in the Race Village, open from 7am. Only the clear bag from your race pack "
                    "is accepted, with your number sticker on it; please leave valuables at home."
                ],
            ),
            (
                "Where are the toilets?",
                [
                    "There are portable toilets in the Race Village and behind the start pens, and on the course at "
                    "miles 3, 6, 9 and 12. Queues are shortest before 8am."
                ],
            ),
            (
                "How do I get to the start?",
                [
                    "Roads around the city centre close from 7:30am. The park-and-ride from Sixways Stadium runs "
                    "from 6am to 2pm, £5 a car; runners showing their number travel free."
                ],
            ),
        ],
    ),
    (
        "On the course",
        [
            (
                "Where are the drinks stations?",
                [
                    "Water is at miles 3, 6, 8 and 11, and energy gels at mile 8. Please drop bottles in the bins "
                    "within 200 metres of each station."
                ],
            ),
            (
                "Is there a time limit?",
                [
                    "Yes, 3 hours 30 minutes. A sweeper bus follows the last runner, and anyone behind it must move "
                    "onto the pavement, as the roads reopen."
                ],
            ),
            (
                "What if I need to drop out?",
                [
                    "Tell the nearest marshal in a yellow bib or go to a first aid point, at miles 4, 7 and 10. "
                    "The sweeper bus will bring you back to the Race Village."
                ],
            ),
            (
                "Can I wear headphones?",
                [
                    "Only bone-conduction headphones are allowed, so that you can hear marshals and emergency "
                    "vehicles. Runners wearing earbuds may be stopped."
                ],
            ),
            (
                "Where is the best place to watch?",
                [
                    "Good spots for supporters are Diglis Bridge at mile 5, the Cathedral at mile 10 and the finish "
                    "straight on the Riverside Promenade. Track your runner live in the Wyvern Half app."
                ],
            ),
        ],
    ),
    (
        "After the finish",
        [
            (
                "Where do I get my medal?",
                [
                    "Medals, T-shirts and goody bags are handed out as you walk through the finish funnel. "
                    "T-shirt sizes can be swapped at the Race Village tent after 12 noon."
                ],
            ),
            (
                "When will the results be out?",
                [
                    "You will get a text with your chip time within minutes of finishing. Full results go on our "
                    "website by 6pm on race day."
                ],
            ),
            (
                "Where do I meet my family afterwards?",
                [
                    "The reunion area is on the cricket field next to the Race Village, with letter signs A to Z. "
                    "Meet under the first letter of your surname."
                ],
            ),
            (
                "Can I buy photos of my race?",
                [
                    "Race photos go online within 48 hours; search by your race number. Downloads cost £8.99 each "
                    "or £19.99 for all of yours."
                ],
            ),
        ],
    ),
]


def main() -> None:
    doc = Document()
    doc.add_heading(TITLE, level=1)
    for section, entries in SECTIONS:
        doc.add_heading(section, level=2)
        for question, answer in entries:
            doc.add_paragraph().add_run(question).bold = True
            for line in answer:
                if line.startswith("- "):
                    doc.add_paragraph(line[2:], style="List Bullet")
                else:
                    doc.add_paragraph(line)
    doc.save(Path(__file__).with_name("half-marathon-info-point.docx"))


if __name__ == "__main__":
    main()
