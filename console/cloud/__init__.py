"""The cloud API's contract and client: no views, no models of the database."""
