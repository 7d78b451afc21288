"""The counter client and the supervisor view (``dawr counter``): plain state objects plus thin Qt widgets.

``model`` holds the state (no Qt), ``texts`` the Arabic/English wording, ``session`` ties the state to the
shared hall client (``qtkit.client``), ``widgets`` shows it, ``app`` starts it, ``cli`` registers the command.
"""
