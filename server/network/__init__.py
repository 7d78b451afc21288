"""The ministry network: branches publish their journals to HQ, HQ publishes staff accounts to each
branch, all through PostgreSQL logical replication (docs/network.md). ``replication`` sets it up and
reports its health; ``cli`` gives the ``dawr network`` commands."""
