"""The counter client and the supervisor view (``dawr counter``): plain state and presenters, thin Qt widgets.

``model`` holds the state (typed server payloads, no Qt), ``presenters`` turns it into what each screen part
says (no Qt), ``texts`` looks wording up in the ``counter`` catalogue, ``session`` ties the state to the shared
hall client (``qtkit.client``), ``widgets`` shows it, ``app`` starts it, ``cli`` registers the command.
"""
