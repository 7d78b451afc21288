"""The websocket message vocabulary shared by the server and its clients: ``messages`` (requests and
frames) and ``payloads`` (every reply result and push payload)."""
