"""The hands-free kiosk: devices, voice activity, triggers, barge-in and the loop that
strings them together (``kiosk.loop``)."""
