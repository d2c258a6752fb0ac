"""``knotvoice serve``: the FAQ as a Home Assistant conversation agent, over Wyoming.

Home Assistant's Wyoming integration opens one connection per request: a ``describe`` to
see what is offered, a ``transcript`` for each conversation turn, ``transcribe`` and audio
for speech-to-text, ``synthesize`` for text-to-speech. The room has one module per part:

- ``serve.agent`` answers, hears and speaks for any number of connections at once, with
  no protocol in it: the models are loaded once, blocking work runs in threads, and each
  engine is used by one thread at a time, in threads of its own (a typed question never
  queues behind speech-to-text).
- ``serve.server`` speaks Wyoming; it is the only module that imports ``wyoming``.
- ``serve.zeroconf`` announces the server on the local network; the only module that
  imports ``zeroconf``.
"""
