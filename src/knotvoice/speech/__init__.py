"""Speech out: the reply's words (``reply``), made fit for speaking (``speakable``) and
rendered to audio (``tts``)."""
