"""The network edge: message handlers, websocket and HTTP serving, authentication, views, metrics."""
