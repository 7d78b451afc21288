"""The websocket message vocabulary shared by the server and its clients."""
