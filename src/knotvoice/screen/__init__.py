"""The kiosk's screen: a web page for the kiosk's display that shows the state, what was
heard and the answer, and takes taps and typed questions.

``hub`` keeps what the page shows from the kiosk's events; ``server`` serves the page
(``static/``), its live updates and its POSTs, which reach the kiosk loop through its
``kiosk.inbox``.
"""
