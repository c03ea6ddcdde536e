"""Use cases: the application API. Each opens a unit of work and checks authorization."""
