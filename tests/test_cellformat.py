"""A spreadsheet cell's value as its number format shows it: what an answer read from an
Excel file says."""

from __future__ import annotations

import datetime

import pytest

from knotvoice.knowledge.cellformat import shown


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        (4.5, '"£"#,##0.00', "£4.50"),
        (4.5, "[$£-809]#,##0.00", "£4.50"),
        (4.5, "_-[$€-407]* #,##0.00_-;-[$€-407]* #,##0.00_-", "€4.50"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (-3.5, "#,##0.00;(#,##0.00)", "(3.50)"),
        (-3.5, "0.00", "-3.50"),
        (0, '0.00;-0.00;"free"', "free"),
        (0.125, "0.0%", "12.5%"),
        (3.0, "0.##", "3"),
        (3.25, "0.##", "3.25"),
        (1500, '#,##0,"k"', "2k"),
        (5, '"Age "0"+"', "Age 5+"),
        (5, '"Room "General', "Room 5"),
        (7, "@", "7"),
        (12.0, "General", "12"),
        (0.5, "# ?/?", "0.5"),  # a fraction: the plain value
        (1e10, "0.00E+00", "10000000000"),  # scientific: the plain value
        (12, "00000", "00012"),
        (0, '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)', "-"),
        (-3, '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)', "$(3)"),
        (4.5, '[>=100]"many";0.0', "4.5"),
        (150, '[>=100]"many";0.0', "many"),
        (True, "General", "TRUE"),
        ("  Yes, at the desk. ", "@", "Yes, at the desk."),
        (None, "0.00", ""),
        (datetime.time(17, 30), "hh:mm", "17:30"),
        (datetime.time(17, 30), "h:mm A/P", "5:30 P"),
        (datetime.datetime(2027, 3, 6), "dd/mm/yyyy", "06/03/2027"),
        (datetime.datetime(2027, 3, 6), "ddd d mmm yy", "Sat 6 Mar 27"),
        (datetime.datetime(2027, 3, 6), "yyyy-mm-dd h:mm:ss", "2027-03-06"),
        (datetime.datetime(2027, 3, 6, 14, 5), "m/d/yy h:mm", "3/6/27 14:05"),
        (datetime.timedelta(hours=30, minutes=15), "[h]:mm", "30:15"),
    ],
)
def test_a_cell_says_what_the_spreadsheet_shows(value: object, code: str, says: str) -> None:
    assert shown(value, code) == says
